#include "lib/scrape/loop/scrape_metrics.h"

namespace tsdbd::scrape {

ScrapeMetrics::ScrapeMetrics(metrics::Registry& r)
    : interval_length(r.AddSummaryFamily("prometheus_target_interval_length_seconds",
                                         "Actual intervals between scrapes.", {"interval"},
                                         {0.01, 0.05, 0.5, 0.9, 0.99})),
      pool_targets(r.AddGaugeFamily("prometheus_target_scrape_pool_targets",
                                    "Current number of targets in this scrape pool.",
                                    {"scrape_job"})),
      pools_total(r.AddCounter("prometheus_target_scrape_pools_total",
                               "Total number of scrape pool creation attempts.")),
      pools_failed_total(r.AddCounter("prometheus_target_scrape_pools_failed_total",
                                      "Total number of scrape pool creations that failed.")),
      pool_reloads_total(r.AddCounter("prometheus_target_scrape_pool_reloads_total",
                                      "Total number of scrape pool reloads.")),
      pool_exceeded_target_limit_total(
          r.AddCounter("prometheus_target_scrape_pool_exceeded_target_limit_total",
                       "Total number of times scrape pools hit the target limit, during sync "
                       "or config reload.")),
      exceeded_sample_limit_total(
          r.AddCounter("prometheus_target_scrapes_exceeded_sample_limit_total",
                       "Total number of scrapes that hit the sample limit and were rejected.")),
      exceeded_body_size_limit_total(
          r.AddCounter("prometheus_target_scrapes_exceeded_body_size_limit_total",
                       "Total number of scrapes that hit the body size limit")),
      sample_out_of_order_total(
          r.AddCounter("prometheus_target_scrapes_sample_out_of_order_total",
                       "Total number of samples rejected due to not being out of the expected "
                       "order.")),
      sample_duplicate_timestamp_total(
          r.AddCounter("prometheus_target_scrapes_sample_duplicate_timestamp_total",
                       "Total number of samples rejected due to duplicate timestamps but "
                       "different values.")),
      sample_out_of_bounds_total(
          r.AddCounter("prometheus_target_scrapes_sample_out_of_bounds_total",
                       "Total number of samples rejected due to timestamp falling outside of "
                       "the time bounds.")) {}

}  // namespace tsdbd::scrape
