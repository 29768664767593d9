// The time ranges of leveled compaction: each level's blocks cover `factor` times the time
// of the level below (Prometheus's ExponentialBlockRanges(min, 10, 3)).
#pragma once

#include <cstdint>
#include <vector>

namespace tsdbd::tsdb::compact {

// min_block_ms, min*3, min*9, ... (10 ranges at most), without the ranges above
// max_block_ms and everything after them. The first range is always kept (it is the head's
// block range), even when max_block_ms is smaller. Empty only when min_block_ms <= 0.
std::vector<int64_t> BlockRanges(int64_t min_block_ms, int64_t max_block_ms);

}  // namespace tsdbd::tsdb::compact
