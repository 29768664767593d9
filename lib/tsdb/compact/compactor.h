// Merging blocks into one (Prometheus's LeveledCompactor.Compact): what the planner picked
// becomes one block, with the deleted samples gone and overlapping data merged.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "lib/model/result.h"
#include "lib/tsdb/block/block.h"
#include "lib/tsdb/block/meta.h"

namespace tsdbd::tsdb::compact {

// The meta of the block merging `inputs` (before its stats are known): ULID `ulid`, the
// smallest min_time and largest max_time, level one above the highest input level, sources
// the union of the inputs' sources (sorted), parents the inputs in the order given.
block::BlockMeta CompactedMeta(std::span<const block::BlockMeta> inputs, std::string ulid);

// Merges `blocks` (at least one; a single block is rewritten without its deleted samples)
// into a new block in <parent_dir>/<ulid> (ulid from now_ms), written as WriteBlock writes
// (whole or absent). Series are merged by labels; see MergeSeriesChunks for their chunks
// (copied unless deleted intervals or overlaps between blocks demand re-encoding; on equal
// timestamps the sample of the earlier block in `blocks` wins). Series with nothing left
// are dropped. Returns the meta written, or nullopt when nothing at all is left: then no
// block is written and the caller marks the inputs deletable. The inputs are only read;
// they must stay open for the call. Error for unreadable input (a corrupt index or chunk,
// an unsupported chunk encoding) or a failed write; nothing is left behind then.
Result<std::optional<block::BlockMeta>> CompactBlocks(const std::string& parent_dir,
                                                      std::span<const block::BlockPtr> blocks,
                                                      int64_t now_ms);

}  // namespace tsdbd::tsdb::compact
