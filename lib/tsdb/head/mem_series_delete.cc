// MemSeries::DeleteRange: the head's deletion rewrites chunks instead of keeping tombstones,
// so that queries, block writing and snapshots all see the head without deleted samples.
#include <memory>

#include "lib/tsdb/chunkenc/xor_chunk.h"
#include "lib/tsdb/head/mem_series.h"

namespace tsdbd::tsdb {
namespace {

// The samples of `bytes` outside [mint, maxt], re-encoded. *first_t and *last_t get the
// times of the first and last sample kept (untouched when none is).
chunkenc::XorChunk Without(std::span<const uint8_t> bytes, int64_t mint, int64_t maxt,
                           int64_t* first_t, int64_t* last_t) {
  chunkenc::XorChunk out;
  chunkenc::XorIterator it(bytes);
  bool any = false;
  while (it.Next()) {
    if (it.t() >= mint && it.t() <= maxt) continue;
    // A head chunk never holds more than a chunk can, so appending cannot fail.
    (void)out.AppendBits(it.t(), it.v_bits());
    if (!any) *first_t = it.t();
    *last_t = it.t();
    any = true;
  }
  return out;
}

}  // namespace

size_t MemSeries::DeleteRange(int64_t mint, int64_t maxt) {
  if (mint > maxt) return 0;
  size_t dropped = 0;
  std::vector<HeadChunkPtr> kept;
  kept.reserve(closed_.size() + 1);
  for (HeadChunkPtr& c : closed_) {
    if (c->max_t() < mint || c->min_t() > maxt) {
      kept.push_back(std::move(c));
      continue;
    }
    int64_t first = kNoTime, last = kNoTime;
    chunkenc::XorChunk rest = Without(c->bytes(), mint, maxt, &first, &last);
    if (rest.NumSamples() == 0) {
      ++dropped;
      continue;
    }
    kept.push_back(std::make_shared<const HeadChunk>(first, last, rest.Bytes()));
  }
  if (open_->NumSamples() > 0 && last_t_ >= mint && open_min_t_ <= maxt) {
    int64_t first = kNoTime, last = kNoTime;
    chunkenc::XorChunk rest = Without(open_->Bytes(), mint, maxt, &first, &last);
    if (rest.NumSamples() == 0) {
      ++dropped;
      open_ = std::make_shared<chunkenc::XorChunk>();
      open_min_t_ = kNoTime;
    } else if (last == last_t_) {
      // The newest sample stays: appending goes on in the re-encoded chunk.
      open_ = std::make_shared<chunkenc::XorChunk>(std::move(rest));
      open_min_t_ = first;
    } else {
      // The open chunk's end is implied by last_t_, which no longer holds: close it.
      kept.push_back(std::make_shared<const HeadChunk>(first, last, rest.Bytes()));
      open_ = std::make_shared<chunkenc::XorChunk>();
      open_min_t_ = kNoTime;
    }
  }
  closed_ = std::move(kept);
  return dropped;
}

}  // namespace tsdbd::tsdb
