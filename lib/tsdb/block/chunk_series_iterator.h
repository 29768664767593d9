// The samples of a series stored as a list of XOR chunks, within a time range and outside the
// series' deleted intervals: how the head's and the blocks' queriers read.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "lib/storage/querier.h"
#include "lib/tsdb/block/chunk_series.h"
#include "lib/tsdb/block/tombstones.h"
#include "lib/tsdb/chunkenc/xor_iterator.h"

namespace tsdbd::tsdb::block {

class ChunkSeriesIterator final : public storage::SampleIterator {
 public:
  // `chunks` in time order, not overlapping; `deleted` sorted and merged. `owner` keeps the
  // chunks' bytes alive for the iterator's lifetime.
  ChunkSeriesIterator(std::vector<ChunkSpan> chunks, int64_t mint, int64_t maxt,
                      std::vector<Interval> deleted, std::shared_ptr<const void> owner);
  bool Next() override;
  bool Seek(int64_t t) override;
  storage::Sample At() const override { return {it_.t(), it_.v()}; }
  Status Err() const override { return err_; }

 private:
  bool OpenChunk(size_t i);
  // From the sample the chunk iterator is on (or after none), moves past deleted ones; false
  // at the end of the range.
  bool SettleOnLive(bool have_sample);
  bool NextInChunks();
  bool Finish(bool ok);

  const std::vector<ChunkSpan> chunks_;
  const int64_t mint_, maxt_;
  const std::vector<Interval> deleted_;
  const std::shared_ptr<const void> owner_;
  size_t cur_ = 0;
  size_t next_deleted_ = 0;  // first interval that may still hold the current sample or later
  bool opened_ = false;
  bool done_ = false;
  chunkenc::XorIterator it_;
  Status err_;
};

}  // namespace tsdbd::tsdb::block
