#include "lib/tsdb/block/chunk_series_iterator.h"

#include <algorithm>

namespace tsdbd::tsdb::block {

ChunkSeriesIterator::ChunkSeriesIterator(std::vector<ChunkSpan> chunks, int64_t mint,
                                         int64_t maxt, std::vector<Interval> deleted,
                                         std::shared_ptr<const void> owner)
    : chunks_(std::move(chunks)),
      mint_(mint),
      maxt_(maxt),
      deleted_(std::move(deleted)),
      owner_(std::move(owner)) {}

bool ChunkSeriesIterator::OpenChunk(size_t i) {
  cur_ = i;
  opened_ = true;
  if (i >= chunks_.size()) return false;
  it_ = chunkenc::XorIterator(chunks_[i].bytes);
  return true;
}

bool ChunkSeriesIterator::Finish(bool ok) {
  if (!ok) done_ = true;
  return ok;
}

// Advances the chunk iterator by one sample, crossing into later chunks; false at the end.
bool ChunkSeriesIterator::NextInChunks() {
  for (;;) {
    if (it_.Next()) return true;
    if (Status s = it_.Err(); !s.ok()) {
      err_ = s;
      return false;
    }
    if (!OpenChunk(cur_ + 1)) return false;
  }
}

bool ChunkSeriesIterator::SettleOnLive(bool have_sample) {
  for (; have_sample; have_sample = NextInChunks()) {
    const int64_t t = it_.t();
    if (t > maxt_) return Finish(false);
    if (t < mint_) continue;
    while (next_deleted_ < deleted_.size() && deleted_[next_deleted_].maxt < t) ++next_deleted_;
    if (next_deleted_ < deleted_.size() && deleted_[next_deleted_].InBounds(t)) continue;
    return true;
  }
  return Finish(false);
}

bool ChunkSeriesIterator::Next() {
  if (done_) return false;
  if (!opened_ && !OpenChunk(0)) return Finish(false);
  return SettleOnLive(NextInChunks());
}

bool ChunkSeriesIterator::Seek(int64_t t) {
  if (done_) return false;
  t = std::max(t, mint_);
  if (opened_ && it_.num_read() > 0 && it_.t() >= t) return true;
  if (!opened_) OpenChunk(0);
  // Skip whole chunks that end before t.
  size_t i = cur_;
  while (i < chunks_.size() && chunks_[i].max_time < t) ++i;
  if (i != cur_ && !OpenChunk(i)) return Finish(false);
  if (cur_ >= chunks_.size()) return Finish(false);
  for (;;) {
    if (it_.Seek(t)) return SettleOnLive(true);
    if (Status s = it_.Err(); !s.ok()) {
      err_ = s;
      return Finish(false);
    }
    if (!OpenChunk(cur_ + 1)) return Finish(false);
  }
}

}  // namespace tsdbd::tsdb::block
