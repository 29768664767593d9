#include "lib/tsdb/head/mem_series.h"

#include <algorithm>
#include <cstring>

namespace tsdbd::tsdb {

HeadChunk::HeadChunk(int64_t min_t, int64_t max_t, std::span<const uint8_t> bytes)
    : min_t_(min_t),
      max_t_(max_t),
      data_(new uint8_t[bytes.size()]),
      size_(static_cast<uint32_t>(bytes.size())) {
  if (!bytes.empty()) std::memcpy(data_.get(), bytes.data(), bytes.size());
}

int64_t ComputeChunkEndTime(int64_t start, int64_t cur, int64_t max) {
  // Assumes the chunk range is a quarter full at `cur`: how many chunks of this size fit?
  const int64_t n = (max - start) / ((cur - start + 1) * 4);
  if (n <= 1) return max;
  return start + (max - start) / n;
}

int64_t RangeForTimestamp(int64_t t, int64_t width) {
  return (t / width) * width + width;
}

MemSeries::Check MemSeries::Appendable(int64_t t, uint64_t v_bits) const {
  const int64_t last_t = max_time();
  if (last_t == kNoTime || t > last_t) return Check::kOk;
  if (t < last_t) return Check::kOutOfOrder;
  return v_bits == last_v_bits_ ? Check::kSameSample : Check::kDuplicate;
}

void MemSeries::CutOpenChunk(int64_t t) {
  if (open_->NumSamples() > 0) {
    closed_.push_back(std::make_shared<const HeadChunk>(open_min_t_, max_time(), open_->Bytes()));
  }
  open_ = std::make_shared<chunkenc::XorChunk>();
  open_min_t_ = t;
}

chunkenc::XorChunk& MemSeries::WritableOpenChunk() {
  // Snapshots take their reference under this series' lock, which the caller holds, so none
  // can appear now. A count of 1 was left by the last snapshot's release (acq_rel): the fence
  // orders its reads of the bytes before the writes that follow.
  if (open_.use_count() > 1) {
    open_ = std::make_shared<chunkenc::XorChunk>(*open_);
  } else {
    std::atomic_thread_fence(std::memory_order_acquire);
  }
  return *open_;
}

bool MemSeries::Append(int64_t t, uint64_t v_bits, int64_t chunk_range, bool* chunk_created) {
  *chunk_created = false;
  const int64_t last_t = max_time();
  if (last_t != kNoTime && t <= last_t) return false;
  uint16_t n = open_->NumSamples();
  if (n == 0) {
    // First sample of a chunk (the first ever, or after truncation dropped the open one).
    open_min_t_ = t;
    next_at_ = RangeForTimestamp(t, chunk_range);
    *chunk_created = true;
  } else {
    // At a quarter of the target, predict an end time that spreads the rest of the range
    // evenly over chunks of ~kSamplesPerChunk samples. last_t is the previous sample's time.
    if (n == kSamplesPerChunk / 4) next_at_ = ComputeChunkEndTime(open_min_t_, last_t, next_at_);
    // The prediction fails when the rate rises: then cut at twice the target.
    if (t >= next_at_ || n >= 2 * kSamplesPerChunk) {
      CutOpenChunk(t);
      next_at_ = RangeForTimestamp(t, chunk_range);
      *chunk_created = true;
    }
  }
  if (!WritableOpenChunk().AppendBits(t, v_bits)) {  // not below 2 * kSamplesPerChunk samples
    CutOpenChunk(t);
    next_at_ = RangeForTimestamp(t, chunk_range);
    *chunk_created = true;
    (void)open_->AppendBits(t, v_bits);
  }
  last_t_.store(t, std::memory_order_relaxed);
  last_v_bits_ = v_bits;
  return true;
}

int64_t MemSeries::min_time() const {
  if (!closed_.empty()) return closed_.front()->min_t();
  if (open_->NumSamples() > 0) return open_min_t_;
  return kNoTime;
}

size_t MemSeries::TruncateBefore(int64_t mint) {
  size_t drop = 0;
  while (drop < closed_.size() && closed_[drop]->max_t() < mint) ++drop;
  closed_.erase(closed_.begin(), closed_.begin() + static_cast<std::ptrdiff_t>(drop));
  if (closed_.empty() && closed_.capacity() > 0) closed_.shrink_to_fit();
  if (closed_.empty() && open_->NumSamples() > 0 && max_time() < mint) {
    open_ = std::make_shared<chunkenc::XorChunk>();
    open_min_t_ = kNoTime;
    ++drop;
  }
  return drop;
}

bool MemSeries::OpenChunkIn(int64_t mint, int64_t maxt) const {
  return open_->NumSamples() > 0 && max_time() >= mint && open_min_t_ <= maxt;
}

void MemSeries::Snapshot(int64_t mint, int64_t maxt, std::vector<HeadChunkPtr>* out) const {
  ForClosedIn(mint, maxt, [out](const HeadChunkPtr& c) { out->push_back(c); });
  if (OpenChunkIn(mint, maxt)) {
    out->push_back(std::make_shared<const HeadChunk>(open_min_t_, max_time(), open_->Bytes()));
  }
}

void MemSeries::SnapshotShared(int64_t mint, int64_t maxt, std::vector<ChunkSnapshot>* out) const {
  ForClosedIn(mint, maxt, [out](const HeadChunkPtr& c) {
    out->push_back({c->min_t(), c->max_t(), c->bytes(), c});
  });
  if (OpenChunkIn(mint, maxt)) out->push_back({open_min_t_, max_time(), open_->Bytes(), open_});
}

bool MemSeries::HasChunkIn(int64_t mint, int64_t maxt) const {
  return OpenChunkIn(mint, maxt) ||
         std::any_of(closed_.begin(), closed_.end(),
                     [&](const HeadChunkPtr& c) { return c->Overlaps(mint, maxt); });
}

size_t MemSeries::MemoryBytes() const {
  // The open chunk's buffer starts at 128 bytes plus slack and doubles as it fills.
  size_t open_capacity = 137;
  while (open_capacity < open_->Bytes().size() + 9) open_capacity *= 2;
  // make_shared: control block and XorChunk in one allocation.
  size_t bytes = sizeof(*this) + labels_.MemoryBytes() + 16 + sizeof(chunkenc::XorChunk) +
                 open_capacity + closed_.capacity() * sizeof(HeadChunkPtr);
  // make_shared: control block and object in one allocation, then the chunk bytes.
  for (const HeadChunkPtr& c : closed_) bytes += 16 + c->MemoryBytes();
  return bytes;
}

}  // namespace tsdbd::tsdb
