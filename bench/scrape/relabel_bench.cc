// Relabeling throughput for typical metric_relabel_configs over 10k scraped series.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "lib/config/config.h"
#include "lib/model/labels.h"
#include "lib/scrape/relabel/relabeler.h"

namespace tsdbd::scrape::relabel {
namespace {

constexpr int kSeries = 10000;

std::vector<config::RelabelConfig> Rules(const std::string& rules_yaml) {
  const std::string yaml =
      "scrape_configs:\n  - job_name: b\n    metric_relabel_configs:\n" + rules_yaml;
  Result<config::Config> cfg = config::ParseConfig(yaml, "bench.yml");
  if (!cfg.ok()) {
    fprintf(stderr, "%s\n", cfg.error().message().c_str());
    abort();
  }
  return cfg->scrape_configs[0].metric_relabel_configs;
}

// A drop by regex on __name__, a labeldrop and a replace: the common production trio.
const char kTypical[] = R"(      - source_labels: [__name__]
        regex: 'go_gc_.*|process_.*'
        action: drop
      - regex: 'pod_template_hash|id'
        action: labeldrop
      - source_labels: [__name__, code]
        regex: '.*;(\d)\d\d'
        target_label: status_class
        replacement: '${1}xx'
)";

// Rules that match nothing in the series: the no-change path.
const char kNoop[] = R"(      - source_labels: [__name__]
        regex: 'never_.*'
        action: drop
      - regex: 'nothing_here'
        action: labeldrop
      - source_labels: [absent]
        regex: '(.+)'
        target_label: x
)";

// Series as a scrape of a service yields them: ~100 metric names, a few labels each.
std::vector<Labels> Series() {
  static const char* const kPrefixes[] = {"http_requests_total", "go_gc_duration_seconds",
                                          "process_cpu_seconds_total", "rpc_latency_bucket",
                                          "queue_depth"};
  std::vector<Labels> out;
  out.reserve(kSeries);
  for (int i = 0; i < kSeries; ++i) {
    const std::string name = std::string(kPrefixes[i % 5]) + "_" + std::to_string(i % 20);
    const std::string code = std::to_string(200 + (i % 4) * 100);
    const std::string pod = "api-" + std::to_string(i % 50);
    const std::string hash = "7f9c" + std::to_string(i % 7);
    const std::string le = std::to_string(i % 13);
    out.push_back(Labels{{"__name__", name},
                         {"code", code},
                         {"instance", "10.0.0.1:8080"},
                         {"job", "api"},
                         {"le", le},
                         {"pod", pod},
                         {"pod_template_hash", hash}});
  }
  return out;
}

void Run(benchmark::State& state, const char* rules_yaml) {
  const std::vector<config::RelabelConfig> rules = Rules(rules_yaml);
  const std::vector<Labels> series = Series();
  Relabeler relabeler(rules);
  size_t kept = 0;
  for (auto _ : state) {
    kept = 0;
    for (const Labels& l : series) {
      std::optional<Labels> out = relabeler.Process(l);
      kept += out.has_value();
      benchmark::DoNotOptimize(out);
    }
  }
  state.counters["kept"] = static_cast<double>(kept);
  state.counters["per_series"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * kSeries,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_RelabelTypical(benchmark::State& state) {
  Run(state, kTypical);
}
void BM_RelabelNoChange(benchmark::State& state) {
  Run(state, kNoop);
}

// The one-shot Process() prepares the rules on every call.
void BM_RelabelTypicalOneShot(benchmark::State& state) {
  const std::vector<config::RelabelConfig> rules = Rules(kTypical);
  const std::vector<Labels> series = Series();
  for (auto _ : state) {
    for (const Labels& l : series) benchmark::DoNotOptimize(Process(l, rules));
  }
  state.counters["per_series"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * kSeries,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

BENCHMARK(BM_RelabelTypical)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RelabelNoChange)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RelabelTypicalOneShot)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tsdbd::scrape::relabel
