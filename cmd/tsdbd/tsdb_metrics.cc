#include "cmd/tsdbd/tsdb_metrics.h"

#include <limits>

namespace tsdbd {
namespace {

// Prometheus reports an empty head as min = MaxInt64, max = MinInt64.
double MinTimeOrEmpty(const tsdb::HeadStats& s) {
  return s.empty ? static_cast<double>(std::numeric_limits<int64_t>::max())
                 : static_cast<double>(s.min_time);
}
double MaxTimeOrEmpty(const tsdb::HeadStats& s) {
  return s.empty ? static_cast<double>(std::numeric_limits<int64_t>::min())
                 : static_cast<double>(s.max_time);
}

}  // namespace

metrics::Registration AddTsdbMetrics(metrics::Registry& registry, const tsdb::Head& head,
                                     int64_t retention_limit_bytes) {
  return registry.AddCollector(
      {"prometheus_tsdb_head_series", "prometheus_tsdb_head_series_created_total",
       "prometheus_tsdb_head_series_removed_total", "prometheus_tsdb_head_chunks",
       "prometheus_tsdb_head_chunks_created_total", "prometheus_tsdb_head_chunks_removed_total",
       "prometheus_tsdb_head_samples_appended_total", "prometheus_tsdb_out_of_order_samples_total",
       "prometheus_tsdb_out_of_bound_samples_total", "prometheus_tsdb_head_min_time",
       "prometheus_tsdb_head_max_time", "prometheus_tsdb_head_min_time_seconds",
       "prometheus_tsdb_head_max_time_seconds", "prometheus_tsdb_lowest_timestamp",
       "prometheus_tsdb_lowest_timestamp_seconds", "prometheus_tsdb_blocks_loaded",
       "prometheus_tsdb_retention_limit_bytes", "prometheus_tsdb_wal_page_flushes_total",
       "prometheus_tsdb_wal_completed_pages_total", "prometheus_tsdb_wal_truncations_total",
       "prometheus_tsdb_wal_truncations_failed_total", "prometheus_tsdb_wal_writes_failed_total",
       "prometheus_tsdb_wal_segment_current", "prometheus_tsdb_wal_corruptions_total"},
      [&head, retention_limit_bytes](metrics::CollectorWriter& w) {
        const tsdb::HeadStats s = head.Stats();
        w.AddGauge("prometheus_tsdb_head_series", "Total number of series in the head block.",
                   static_cast<double>(s.num_series));
        w.AddCounter("prometheus_tsdb_head_series_created_total",
                     "Total number of series created in the head",
                     static_cast<double>(s.series_created));
        w.AddCounter("prometheus_tsdb_head_series_removed_total",
                     "Total number of series removed in the head",
                     static_cast<double>(s.series_removed));
        w.AddGauge("prometheus_tsdb_head_chunks", "Total number of chunks in the head block.",
                   static_cast<double>(s.num_chunks));
        w.AddCounter("prometheus_tsdb_head_chunks_created_total",
                     "Total number of chunks created in the head",
                     static_cast<double>(s.chunks_created));
        w.AddCounter("prometheus_tsdb_head_chunks_removed_total",
                     "Total number of chunks removed in the head",
                     static_cast<double>(s.chunks_removed));
        w.BeginFamily("prometheus_tsdb_head_samples_appended_total",
                      "Total number of appended samples.", metrics::MetricType::kCounter);
        w.AddSample({{"type", "float"}}, static_cast<double>(s.samples_appended));
        w.BeginFamily("prometheus_tsdb_out_of_order_samples_total",
                      "Total number of out of order samples ingestion failed attempts due to out "
                      "of order being disabled.",
                      metrics::MetricType::kCounter);
        w.AddSample({{"type", "float"}}, static_cast<double>(s.out_of_order_samples));
        w.AddCounter("prometheus_tsdb_out_of_bound_samples_total",
                     "Total number of out of bound samples ingestion failed attempts with out of "
                     "order support disabled.",
                     static_cast<double>(s.out_of_bounds_samples));
        const double min_time = MinTimeOrEmpty(s);
        const double max_time = MaxTimeOrEmpty(s);
        w.AddGauge("prometheus_tsdb_head_min_time",
                   "Minimum time bound of the head block. The unit is decided by the library "
                   "consumer.",
                   min_time);
        w.AddGauge("prometheus_tsdb_head_max_time",
                   "Maximum timestamp of the head block. The unit is decided by the library "
                   "consumer.",
                   max_time);
        w.AddGauge("prometheus_tsdb_head_min_time_seconds",
                   "Minimum time bound of the head block.", min_time / 1000);
        w.AddGauge("prometheus_tsdb_head_max_time_seconds", "Maximum timestamp of the head block.",
                   max_time / 1000);
        w.AddGauge("prometheus_tsdb_lowest_timestamp",
                   "Lowest timestamp value stored in the database. The unit is decided by the "
                   "library consumer.",
                   min_time);
        w.AddGauge("prometheus_tsdb_lowest_timestamp_seconds",
                   "Lowest timestamp value stored in the database.", min_time / 1000);
        w.AddGauge("prometheus_tsdb_blocks_loaded", "Number of currently loaded data blocks", 0);
        w.AddGauge("prometheus_tsdb_retention_limit_bytes",
                   "Max number of bytes to be retained in the tsdb blocks, configured 0 means "
                   "disabled",
                   static_cast<double>(retention_limit_bytes));
        w.AddCounter("prometheus_tsdb_wal_corruptions_total", "Total number of WAL corruptions.",
                     head.replay_stats().corruption.empty() ? 0 : 1);
        if (const auto wal = head.WalStats()) {
          w.AddCounter("prometheus_tsdb_wal_page_flushes_total", "Total number of page flushes.",
                       static_cast<double>(wal->page_flushes));
          w.AddCounter("prometheus_tsdb_wal_completed_pages_total",
                       "Total number of completed pages.",
                       static_cast<double>(wal->completed_pages));
          w.AddCounter("prometheus_tsdb_wal_truncations_total",
                       "Total number of write log truncations attempted.",
                       static_cast<double>(wal->truncations));
          w.AddCounter("prometheus_tsdb_wal_truncations_failed_total",
                       "Total number of write log truncations that failed.",
                       static_cast<double>(wal->truncations_failed));
          w.AddCounter("prometheus_tsdb_wal_writes_failed_total",
                       "Total number of write log writes that failed.",
                       static_cast<double>(wal->writes_failed));
          w.AddGauge("prometheus_tsdb_wal_segment_current",
                     "Write log segment index that TSDB is currently writing to.",
                     wal->current_segment);
        }
      });
}

}  // namespace tsdbd
