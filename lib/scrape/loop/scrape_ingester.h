// Turns one scraped body into samples in an Appender, as Prometheus 2.42's scrape loop
// appends: target labels merged in, metric_relabel_configs applied, limits enforced, stale
// markers for vanished series, and the synthetic up/scrape_* series.
//
// A series cache keyed by the raw series text (the line up to its value) holds the storage
// ref and final labels of every series seen, and marks the series that relabeling drops,
// so an unchanged line costs one hash look-up and no label work.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "lib/config/relabel_config.h"
#include "lib/model/labels.h"
#include "lib/model/result.h"
#include "lib/scrape/loop/target_status.h"
#include "lib/storage/appender.h"

namespace tsdbd::scrape {

namespace relabel {
class Relabeler;
}

struct IngestOptions {
  bool honor_labels = false;
  bool honor_timestamps = true;
  uint64_t sample_limit = 0;  // 0: no limit (likewise below)
  uint64_t label_limit = 0;
  uint64_t label_name_length_limit = 0;
  uint64_t label_value_length_limit = 0;
};

// What one Ingest saw (Prometheus's total, added, seriesAdded and append errors).
struct IngestCounts {
  uint64_t total = 0;         // sample lines parsed (scrape_samples_scraped)
  uint64_t added = 0;         // left after relabeling (scrape_samples_post_metric_relabeling)
  uint64_t series_added = 0;  // series new to the cache and stored (scrape_series_added)
  uint64_t out_of_order = 0;
  uint64_t duplicate_timestamp = 0;
  uint64_t out_of_bounds = 0;
  bool sample_limit_exceeded = false;
};

// The values of the synthetic series of one scrape.
struct ScrapeReport {
  bool up = false;
  double duration_seconds = 0;
  IngestCounts counts;
};

// One per target. Not thread-safe, except Metadata(), which may be called from any thread.
class ScrapeIngester {
 public:
  // `target_labels`: the target's public labels, attached to every series.
  ScrapeIngester(Labels target_labels, std::span<const config::RelabelConfig> metric_relabel,
                 IngestOptions options);
  ~ScrapeIngester();
  ScrapeIngester(const ScrapeIngester&) = delete;
  ScrapeIngester& operator=(const ScrapeIngester&) = delete;

  // Appends every sample of `body` (parsed by the parser `content_type` selects) at t_ms
  // (or the line's own timestamp when honor_timestamps), then stale markers at t_ms for the
  // series of the previous successful Ingest that are absent now. An error (the parser's
  // "line N: ...", "sample limit exceeded", a label limit) means the batch must be rolled
  // back: the caller then calls OnBatchDiscarded and MarkPreviousStale on a new appender.
  // Out-of-order, duplicate and out-of-bounds samples are skipped and counted.
  Status Ingest(storage::Appender& app, std::string_view body, std::string_view content_type,
                int64_t t_ms, IngestCounts* counts);
  // Same, keeping `body` until the next Ingest: the next scrape's lines are then compared
  // with this one's in order, reading memory sequentially instead of the cache's keys (the
  // string_view form copies the body for that).
  Status Ingest(storage::Appender& app, std::string&& body, std::string_view content_type,
                int64_t t_ms, IngestCounts* counts);

  // After a failed scrape: stale markers at t_ms for every series of the previous
  // successful scrape (Prometheus treats a failed scrape as an empty one).
  void MarkPreviousStale(storage::Appender& app, int64_t t_ms);

  // Appends up, scrape_duration_seconds, scrape_samples_scraped,
  // scrape_samples_post_metric_relabeling and scrape_series_added at t_ms.
  void AppendReport(storage::Appender& app, int64_t t_ms, const ScrapeReport& report);

  // The end of the target: stale markers for the last scrape's series and the synthetic ones.
  void AppendEndOfRunStaleness(storage::Appender& app, int64_t t_ms);

  // The batch that the refs of the last calls went into was committed, or discarded
  // (rolled back or failed to commit): refs learnt from it are then forgotten.
  void OnBatchCommitted();
  void OnBatchDiscarded();

  // The TYPE/HELP/UNIT seen for each family in the recent scrapes, by name. Thread-safe.
  std::vector<MetricMetadata> Metadata() const;

  size_t CachedSeries() const { return cache_.size(); }

 private:
  struct Entry {
    storage::SeriesRef ref = 0;
    Labels labels;
    bool dropped = false;    // metric relabeling dropped the series
    bool tracked = false;    // seen this iteration without an explicit timestamp
    uint64_t seen_iter = 0;  // last iteration that had this series
    uint32_t order_pos = 0;  // index in order_ of the last scrape that had it
  };
  struct TransparentHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const;
  };
  struct Meta {
    std::string type = "unknown";
    std::string help;
    std::string unit;
    uint64_t seen_iter = 0;
  };

  // Builds the final labels of the parser's current series into *e (or marks it dropped).
  // An error when a label limit is exceeded.
  template <typename P>
  Status Resolve(const P& parser, Entry* e);
  Status CheckLimits(const Labels& labels) const;
  void AppendStale(storage::Appender& app, Entry* e, int64_t t_ms);
  void UpdateMetadata(std::string_view name, int kind, std::string_view text);
  void EndIteration(bool success);

  const Labels target_labels_;
  const IngestOptions options_;
  std::unique_ptr<relabel::Relabeler> relabeler_;  // null without metric_relabel_configs
  LabelsBuilder builder_;

  std::unordered_map<std::string, Entry, TransparentHash, std::equal_to<>> cache_;
  uint64_t iter_ = 1;
  std::vector<Entry*> prev_;  // tracked series of the last successful scrape
  std::vector<Entry*> cur_;   // tracked series of the scrape in progress
  // The cache entries in the order the last scrape listed them, with their keys (which live
  // in body_): a target lists its series in the same order each time, so the next line is
  // nearly always the next entry here and costs a comparison instead of a hash look-up.
  std::vector<std::pair<std::string_view, Entry*>> order_;
  std::vector<std::pair<std::string_view, Entry*>> next_order_;  // being built
  size_t seen_this_iter_ = 0;  // distinct entries seen by the scrape in progress
  size_t size_after_success_ = 0;
  std::vector<storage::SeriesRef*> batch_refs_;  // refs learnt in the current batch
  std::string body_;                             // of the last Ingest; order_'s keys point into it

  static constexpr int kReportSeries = 5;
  Labels report_labels_[kReportSeries];
  storage::SeriesRef report_refs_[kReportSeries] = {};
  bool reported_ = false;  // synthetic series were appended at least once

  mutable std::mutex meta_mu_;  // guards meta_
  std::map<std::string, Meta, std::less<>> meta_;
};

}  // namespace tsdbd::scrape
