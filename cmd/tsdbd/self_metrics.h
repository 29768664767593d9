// tsdbd's own metrics that belong to no library: build info, config reloads, readiness and
// HTTP requests, named as Prometheus names them so that dashboards made for it work.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "lib/model/time_format.h"

namespace tsdbd {
namespace metrics {
class Registry;
}

class SelfMetrics {
 public:
  // Registers the metrics in `registry`, which must outlive this object.
  explicit SelfMetrics(metrics::Registry& registry);
  ~SelfMetrics();

  void ConfigReloaded(bool ok, SystemTime when);
  void SetReady(bool ready);
  void ObserveRequest(std::string_view handler, int code, double seconds);

  // Every registered metric in text format 0.0.4.
  std::string Text() const;

 private:
  struct Handles;
  metrics::Registry& registry_;
  std::unique_ptr<Handles> h_;
};

}  // namespace tsdbd
