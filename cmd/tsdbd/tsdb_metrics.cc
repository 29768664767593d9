#include "cmd/tsdbd/tsdb_metrics.h"

#include <atomic>
#include <limits>
#include <vector>

#include "lib/metrics/histogram.h"

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

metrics::Registration AddTsdbMetrics(metrics::Registry& registry, tsdb::DB& db) {
  metrics::Histogram& durations =
      registry.AddHistogram("prometheus_tsdb_compaction_duration_seconds",
                            "Duration of compaction runs", metrics::ExponentialBuckets(1, 2, 14));
  db.SetCompactionObserver([&durations](double seconds) { durations.Observe(seconds); });
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
       "prometheus_tsdb_wal_segment_current", "prometheus_tsdb_wal_corruptions_total",
       "prometheus_tsdb_storage_blocks_bytes", "prometheus_tsdb_compactions_total",
       "prometheus_tsdb_compactions_failed_total", "prometheus_tsdb_compactions_triggered_total",
       "prometheus_tsdb_vertical_compactions_total", "prometheus_tsdb_head_truncations_total",
       "prometheus_tsdb_head_truncations_failed_total", "prometheus_tsdb_reloads_total",
       "prometheus_tsdb_reloads_failures_total", "prometheus_tsdb_time_retentions_total",
       "prometheus_tsdb_size_retentions_total"},
      [&db](metrics::CollectorWriter& w) {
        const tsdb::Head& head = db.head();
        const tsdb::HeadStats s = head.Stats();
        const std::vector<tsdb::block::BlockPtr> blocks = db.Blocks();
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
        const double lowest =
            blocks.empty() ? min_time : static_cast<double>(blocks.front()->MinTime());
        w.AddGauge("prometheus_tsdb_lowest_timestamp",
                   "Lowest timestamp value stored in the database. The unit is decided by the "
                   "library consumer.",
                   lowest);
        w.AddGauge("prometheus_tsdb_lowest_timestamp_seconds",
                   "Lowest timestamp value stored in the database.", lowest / 1000);
        w.AddGauge("prometheus_tsdb_blocks_loaded", "Number of currently loaded data blocks",
                   static_cast<double>(blocks.size()));
        uint64_t block_bytes = 0;
        for (const tsdb::block::BlockPtr& b : blocks) block_bytes += b->Size();
        w.AddGauge("prometheus_tsdb_storage_blocks_bytes",
                   "The number of bytes that are currently used for local storage by all blocks.",
                   static_cast<double>(block_bytes));
        w.AddGauge("prometheus_tsdb_retention_limit_bytes",
                   "Max number of bytes to be retained in the tsdb blocks, configured 0 means "
                   "disabled",
                   static_cast<double>(db.options().retention_bytes));
        const tsdb::DbCounters& c = db.counters();
        auto counter = [&w](std::string_view name, std::string_view help,
                            const std::atomic<uint64_t>& v) {
          w.AddCounter(name, help, static_cast<double>(v.load(std::memory_order_relaxed)));
        };
        counter("prometheus_tsdb_compactions_total",
                "Total number of compactions that were executed for the partition.",
                c.compactions);
        counter("prometheus_tsdb_compactions_failed_total",
                "Total number of compactions that failed for the partition.",
                c.compactions_failed);
        counter("prometheus_tsdb_compactions_triggered_total",
                "Total number of triggered compactions for the partition.",
                c.compactions_triggered);
        counter("prometheus_tsdb_vertical_compactions_total",
                "Total number of compactions done on overlapping blocks.",
                c.vertical_compactions);
        counter("prometheus_tsdb_head_truncations_total",
                "Total number of head truncations attempted.", c.head_truncations);
        // Truncating the head's memory cannot fail here (the WAL's part is counted by
        // prometheus_tsdb_wal_truncations_failed_total).
        w.AddCounter("prometheus_tsdb_head_truncations_failed_total",
                     "Total number of head truncations that failed.", 0);
        counter("prometheus_tsdb_reloads_total",
                "Number of times the database reloaded block data from disk.", c.reloads);
        counter("prometheus_tsdb_reloads_failures_total",
                "Number of times the database failed to reloadBlocks block data from disk.",
                c.reloads_failed);
        counter("prometheus_tsdb_time_retentions_total",
                "The number of times that blocks were deleted because the maximum time limit "
                "was exceeded.",
                c.time_retentions);
        counter("prometheus_tsdb_size_retentions_total",
                "The number of times that blocks were deleted because the maximum number of "
                "bytes was exceeded.",
                c.size_retentions);
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
