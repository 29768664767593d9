// Block::Delete: deletion in a persisted block is a rewrite of its tombstones file; the
// chunks stay until a compaction (or CleanTombstones) rewrites the block without them.
#include <algorithm>
#include <utility>
#include <vector>

#include "lib/tsdb/block/block.h"
#include "lib/tsdb/index/postings_matchers.h"

namespace tsdbd::tsdb::block {

Status Block::Delete(int64_t mint, int64_t maxt, std::span<const Matcher> matchers) {
  if (mint > maxt) return Status::Ok();
  // The index never changes: it is read without the lock.
  Tombstones next;
  index::PostingsPtr p = index::PostingsForMatchers(*index_, matchers);
  Labels labels;
  std::vector<ChunkMeta> chunks;
  while (p->Next()) {
    if (Status s = index_->Series(p->At(), &labels, &chunks); !s.ok()) {
      return Error("block " + ulid_ + ": deleting: " + s.message());
    }
    // Only series with a chunk in the range, and only as far as their chunks reach.
    const bool overlaps = std::any_of(chunks.begin(), chunks.end(), [&](const ChunkMeta& c) {
      return c.max_time >= mint && c.min_time <= maxt;
    });
    if (!overlaps) continue;
    next.Add(p->At(), Interval{std::max(mint, chunks.front().min_time),
                               std::min(maxt, chunks.back().max_time)});
  }
  if (next.Empty()) return Status::Ok();
  // Held from the merge to the swap so that two deletions never lose each other's
  // intervals; queriers taking their snapshot of the tombstones wait out the write.
  std::lock_guard lock(mu_);
  tombstones_->ForEach([&](uint64_t ref, std::span<const Interval> ivs) {
    for (const Interval& iv : ivs) next.Add(ref, iv);
  });

  if (Status s = WriteTombstones(dir_, next); !s.ok()) {
    return Error("block " + ulid_ + ": writing tombstones: " + s.message());
  }
  const uint64_t count = next.NumTombstones();
  tombstones_ = std::make_shared<const Tombstones>(std::move(next));
  BlockMeta meta = meta_;
  meta.stats.num_tombstones = count;
  if (Status s = WriteMeta(dir_, meta); !s.ok()) {
    return Error("block " + ulid_ + ": writing meta.json: " + s.message());
  }
  meta_ = std::move(meta);
  return Status::Ok();
}

}  // namespace tsdbd::tsdb::block
