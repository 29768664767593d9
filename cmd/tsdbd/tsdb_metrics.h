// The prometheus_tsdb_* metrics of the database (head, WAL, blocks, compaction, retention),
// read from it at each scrape of /metrics.
#pragma once

#include "lib/metrics/registry.h"
#include "lib/tsdb/db/db.h"

namespace tsdbd {

// Registers the collector in `registry`; it reads `db`, which must outlive the returned
// registration. Also registers the compaction duration histogram, which `db` feeds: once
// per registry.
metrics::Registration AddTsdbMetrics(metrics::Registry& registry, tsdb::DB& db);

}  // namespace tsdbd
