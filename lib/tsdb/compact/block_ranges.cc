#include "lib/tsdb/compact/block_ranges.h"

#include <limits>

namespace tsdbd::tsdb::compact {

namespace {
constexpr int kSteps = 10;
constexpr int64_t kFactor = 3;
}  // namespace

std::vector<int64_t> BlockRanges(int64_t min_block_ms, int64_t max_block_ms) {
  std::vector<int64_t> ranges;
  if (min_block_ms <= 0) return ranges;
  int64_t r = min_block_ms;
  for (int i = 0; i < kSteps; ++i) {
    if (i > 0 && r > max_block_ms) break;
    ranges.push_back(r);
    if (r > std::numeric_limits<int64_t>::max() / kFactor) break;
    r *= kFactor;
  }
  return ranges;
}

}  // namespace tsdbd::tsdb::compact
