// A batch of samples for the head (storage::Appender).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lib/storage/appender.h"
#include "lib/tsdb/head/series_map.h"
#include "lib/tsdb/record/record.h"

namespace tsdbd::tsdb {

class Head;

// Not thread-safe (one writer); the head must outlive it. Series created by Append stay in
// the head after a Rollback (Prometheus does the same); they hold no samples and garbage
// collection removes them.
class HeadAppender final : public storage::Appender {
 public:
  explicit HeadAppender(Head* head);
  ~HeadAppender() override = default;

  // Checks against the committed samples: before the head's minimum valid time
  // (kOutOfBounds), before the series' newest sample (kOutOfOrder), at its time with
  // other value bits (kDuplicateTimestamp); an exact repeat of the newest sample is
  // accepted and not stored again. Empty labels are kInvalidLabels (__name__ is not
  // required, as in Prometheus's head). Samples of one batch are checked against each other
  // only at Commit, where those not after their series' newest are dropped and counted as
  // out of order.
  storage::AppendOutcome Append(storage::SeriesRef ref, const Labels& labels, int64_t t_ms,
                                double v) override;
  Status Commit() override;
  void Rollback() override;

 private:
  struct Pending {
    MemSeries* series;  // one of held_
    int64_t t;
    uint64_t v_bits;
  };

  Head* const head_;
  bool min_valid_known_ = false;
  int64_t min_valid_ = 0;
  int64_t mint_, maxt_;          // of the samples accepted
  std::vector<SeriesPtr> held_;  // series of this batch, each once per Append
  std::vector<Pending> samples_;
  std::vector<record::RefSample> refs_;   // WAL encoding scratch
  std::vector<MemSeries*> batch_series_;  // LogBatch scratch
  std::string samples_rec_;
  bool done_ = false;
};

}  // namespace tsdbd::tsdb
