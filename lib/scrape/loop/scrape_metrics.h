// The prometheus_target_* self-metrics of scraping, registered once per scrape Manager.
#pragma once

#include "lib/metrics/registry.h"

namespace tsdbd::scrape {

struct ScrapeMetrics {
  // Registers every family in `registry`, which must outlive this object.
  explicit ScrapeMetrics(metrics::Registry& registry);

  // {interval}: quantiles 0.01 0.05 0.5 0.9 0.99 over the last 10 minutes, as Prometheus.
  metrics::SummaryFamily& interval_length;
  metrics::GaugeFamily& pool_targets;  // {scrape_job}
  metrics::Counter& pools_total;
  metrics::Counter& pools_failed_total;
  metrics::Counter& pool_reloads_total;
  metrics::Counter& pool_exceeded_target_limit_total;
  metrics::Counter& exceeded_sample_limit_total;
  metrics::Counter& exceeded_body_size_limit_total;
  metrics::Counter& sample_out_of_order_total;
  metrics::Counter& sample_duplicate_timestamp_total;
  metrics::Counter& sample_out_of_bounds_total;
};

}  // namespace tsdbd::scrape
