#include "lib/scrape/discovery/metrics.h"

namespace tsdbd::scrape::discovery {

Metrics::Metrics(metrics::Registry& registry)
    : dns_lookups(
          registry.AddCounter("prometheus_sd_dns_lookups_total", "The number of DNS-SD lookups.")),
      dns_lookup_failures(registry.AddCounter("prometheus_sd_dns_lookup_failures_total",
                                              "The number of DNS-SD lookup failures.")),
      file_read_errors(registry.AddCounter("prometheus_sd_file_read_errors_total",
                                           "The number of File-SD read errors.")),
      discovered_targets(registry.AddGaugeFamily("prometheus_sd_discovered_targets",
                                                 "Current number of discovered targets.",
                                                 {"config", "name"})),
      received_updates(registry.AddCounterFamily(
          "prometheus_sd_received_updates_total",
          "Total number of update events received from the SD providers.", {"name"})),
      updates(registry.AddCounterFamily("prometheus_sd_updates_total",
                                        "Total number of update events sent to the SD consumers.",
                                        {"name"})) {}

}  // namespace tsdbd::scrape::discovery
