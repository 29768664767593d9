// Reading the head: series selected through the postings index, samples from chunk
// snapshots (storage::Querier).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "lib/storage/querier.h"
#include "lib/tsdb/head/head_readers.h"
#include "lib/tsdb/head/mem_series.h"

namespace tsdbd::tsdb {

class Head;

// Not thread-safe (one user); the head must outlive it. A series is returned when a chunk of
// it overlaps the querier's range (as Prometheus does, it may then have no sample in the
// range). Samples are those committed when the series set reaches the series: each series'
// chunks are snapshot under its lock at that moment (the open chunk shared, copy-on-write).
// The querier and its series sets hold `lease`, the querier's registration as a reader of
// the head, which keeps a truncation from dropping chunks they have yet to reach.
class HeadQuerier final : public storage::Querier {
 public:
  HeadQuerier(Head* head, int64_t mint, int64_t maxt, HeadReaders::LeasePtr lease)
      : head_(head), mint_(mint), maxt_(maxt), lease_(std::move(lease)) {}

  // For labels-only hints (storage::LabelsOnly) no chunk is snapshot, and the series yield
  // no samples.
  std::unique_ptr<storage::SeriesSet> Select(bool sorted, const storage::SelectHints* hints,
                                             std::span<const Matcher> matchers) override;
  // Label values and names come from the index, not limited by time (as in Prometheus's
  // head), except that a querier whose range misses the head's entirely finds none.
  Result<std::vector<std::string>> LabelValues(std::string_view name,
                                               std::span<const Matcher> matchers) override;
  Result<std::vector<std::string>> LabelNames(std::span<const Matcher> matchers) override;

 private:
  bool OutsideHead() const;

  Head* const head_;
  const int64_t mint_, maxt_;
  const HeadReaders::LeasePtr lease_;
};

}  // namespace tsdbd::tsdb
