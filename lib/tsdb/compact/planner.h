// Which blocks to compact next: Prometheus 2.42's leveled compaction plan, decided from the
// blocks' meta.json alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "lib/tsdb/block/meta.h"

namespace tsdbd::tsdb::compact {

// The blocks to merge next, as indexes into `metas` in ascending min_time order; empty when
// there is nothing to do. `ranges` are BlockRanges(). In order of preference:
//  1. Overlapping blocks (vertical compaction): the first group, in time order, of blocks
//     whose time ranges overlap one another transitively.
//  2. Leveled: the newest block is left alone (so that it can be backed up before it is
//     merged); of the others, for each range after the first, smallest first, the blocks
//     are split into windows aligned to multiples of the range (a block that does not fit
//     its window is skipped). The first window holding more than one block that either
//     spans the whole range (gaps allowed) or ends at or before the newest remaining
//     block's start is picked.
//  3. Tombstones: walking back from the newest remaining block, a block covering at least
//     ranges[size/2] whose tombstones exceed 5% of (series + 1), or a smaller one whose
//     tombstones are at least its series (all deleted); the walk stops at the first
//     smaller block. Only one block: it is rewritten without the deleted samples.
// Blocks marked compaction.failed are never picked: a group or window holding one is passed
// over. `metas` need not be sorted.
std::vector<size_t> Plan(std::span<const block::BlockMeta> metas, std::span<const int64_t> ranges);

}  // namespace tsdbd::tsdb::compact
