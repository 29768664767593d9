// Service discovery's self-metrics, named as Prometheus 2.42 names them.
#pragma once

#include "lib/metrics/registry.h"

namespace tsdbd::scrape::discovery {

// Registers the metrics in `registry` (once per registry: every discovery manager of the
// process shares one Metrics). The registry must outlive it.
struct Metrics {
  explicit Metrics(metrics::Registry& registry);

  metrics::Counter& dns_lookups;          // prometheus_sd_dns_lookups_total
  metrics::Counter& dns_lookup_failures;  // prometheus_sd_dns_lookup_failures_total
  metrics::Counter& file_read_errors;     // prometheus_sd_file_read_errors_total
  // prometheus_sd_discovered_targets{config, name}: targets per job and manager.
  metrics::GaugeFamily& discovered_targets;
  // prometheus_sd_received_updates_total{name}: updates from discoverers.
  metrics::CounterFamily& received_updates;
  // prometheus_sd_updates_total{name}: updates sent to the consumer.
  metrics::CounterFamily& updates;
};

}  // namespace tsdbd::scrape::discovery
