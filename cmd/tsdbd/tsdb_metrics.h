// The prometheus_tsdb_* metrics of the head, read from it at each scrape of /metrics.
#pragma once

#include "lib/metrics/registry.h"
#include "lib/tsdb/head/head.h"

namespace tsdbd {

// Registers the collector in `registry`; it reads `head`, which must outlive the returned
// registration.
metrics::Registration AddTsdbMetrics(metrics::Registry& registry, const tsdb::Head& head,
                                     int64_t retention_limit_bytes);

}  // namespace tsdbd
