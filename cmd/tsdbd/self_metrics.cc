#include "cmd/tsdbd/self_metrics.h"

#include <string>

#include "cmd/tsdbd/build_info.h"
#include "lib/metrics/registry.h"

namespace tsdbd {

struct SelfMetrics::Handles {
  metrics::Gauge& reload_ok;
  metrics::Gauge& reload_time;
  metrics::Gauge& ready;
  metrics::CounterFamily& requests;
  metrics::HistogramFamily& durations;
};

SelfMetrics::SelfMetrics(metrics::Registry& registry) : registry_(registry) {
  metrics::Registry& r = registry;
  r.AddGaugeFamily("prometheus_build_info",
                   "A metric with a constant '1' value labeled by version, revision, branch, "
                   "goversion from which prometheus was built, and the goos and goarch for the "
                   "build.",
                   {"branch", "goarch", "goos", "goversion", "revision", "version"})
      .WithLabelValues({build::kBranch, build::kArch, build::kOs, build::kCompiler, build::kRevision,
                        build::kPrometheusVersion})
      .Set(1);
  h_.reset(new Handles{
      .reload_ok = r.AddGauge("prometheus_config_last_reload_successful",
                              "Whether the last configuration reload attempt was successful."),
      .reload_time = r.AddGauge("prometheus_config_last_reload_success_timestamp_seconds",
                                "Timestamp of the last successful configuration reload."),
      .ready = r.AddGauge("prometheus_ready",
                          "Whether Prometheus startup was fully completed and the server is "
                          "ready for normal operation."),
      .requests = r.AddCounterFamily("prometheus_http_requests_total",
                                     "Counter of HTTP requests.", {"code", "handler"}),
      .durations = r.AddHistogramFamily("prometheus_http_request_duration_seconds",
                                        "Histogram of latencies for HTTP requests.", {"handler"},
                                        {0.1, 0.2, 0.4, 1, 3, 8, 20, 60, 120}),
  });
}

SelfMetrics::~SelfMetrics() = default;

void SelfMetrics::ConfigReloaded(bool ok, SystemTime when) {
  h_->reload_ok.Set(ok ? 1 : 0);
  if (ok) {
    h_->reload_time.Set(std::chrono::duration<double>(when.time_since_epoch()).count());
  }
}

void SelfMetrics::SetReady(bool ready) { h_->ready.Set(ready ? 1 : 0); }

void SelfMetrics::ObserveRequest(std::string_view handler, int code, double seconds) {
  const std::string code_text = std::to_string(code);
  h_->requests.WithLabelValues({code_text, handler}).Inc();
  h_->durations.WithLabelValues({handler}).Observe(seconds);
}

std::string SelfMetrics::Text() const { return registry_.WriteText(); }

}  // namespace tsdbd
