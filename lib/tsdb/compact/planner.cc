#include "lib/tsdb/compact/planner.h"

#include <algorithm>
#include <numeric>

namespace tsdbd::tsdb::compact {

namespace {

using block::BlockMeta;

// A run order[begin, end) of the blocks in time order.
struct Run {
  size_t begin = 0, end = 0;
  size_t size() const { return end - begin; }
};

bool AnyFailed(std::span<const BlockMeta> metas, const std::vector<size_t>& order, Run run) {
  for (size_t k = run.begin; k < run.end; ++k) {
    if (metas[order[k]].compaction.failed) return true;
  }
  return false;
}

// The first run of (at least two) mutually overlapping blocks without a failed one.
Run OverlappingGroup(std::span<const BlockMeta> metas, const std::vector<size_t>& order) {
  size_t start = 0;
  while (start < order.size()) {
    int64_t end = metas[order[start]].max_time;
    size_t stop = start + 1;
    while (stop < order.size() && metas[order[stop]].min_time < end) {
      end = std::max(end, metas[order[stop]].max_time);
      ++stop;
    }
    const Run group{start, stop};
    if (group.size() > 1 && !AnyFailed(metas, order, group)) return group;
    start = stop;
  }
  return {};
}

// Start of the window of size `range` (aligned to multiples of it) holding time t.
int64_t WindowStart(int64_t t, int64_t range) {
  int64_t q = t / range;
  if (t % range != 0 && t < 0) --q;  // floor for negative times
  return q * range;
}

Run LeveledGroup(std::span<const BlockMeta> metas, const std::vector<size_t>& order, size_t count,
                 std::span<const int64_t> ranges) {
  if (ranges.size() < 2 || count == 0) return {};
  const int64_t newest_start = metas[order[count - 1]].min_time;
  for (int64_t range : ranges.subspan(1)) {
    size_t i = 0;
    while (i < count) {
      const int64_t window_start = WindowStart(metas[order[i]].min_time, range);
      const int64_t window_end = window_start + range;
      if (metas[order[i]].max_time > window_end) {  // does not fit any window of this range
        ++i;
        continue;
      }
      size_t j = i;
      while (j < count && metas[order[j]].max_time <= window_end) ++j;
      const Run window{i, j};
      i = j;
      if (window.size() < 2 || AnyFailed(metas, order, window)) continue;
      const int64_t mint = metas[order[window.begin]].min_time;
      const int64_t maxt = metas[order[window.end - 1]].max_time;
      if (maxt - mint == range || maxt <= newest_start) return window;
    }
  }
  return {};
}

Run TombstoneRewrite(std::span<const BlockMeta> metas, const std::vector<size_t>& order,
                     size_t count, std::span<const int64_t> ranges) {
  if (ranges.empty()) return {};
  const int64_t big = ranges[ranges.size() / 2];
  for (size_t k = count; k-- > 0;) {
    const BlockMeta& m = metas[order[k]];
    const uint64_t tombstones = m.stats.num_tombstones, series = m.stats.num_series;
    if (m.max_time - m.min_time < big) {
      if (!m.compaction.failed && tombstones > 0 && tombstones >= series) return {k, k + 1};
      break;
    }
    // tombstones / (series + 1) > 5%, in integers.
    if (!m.compaction.failed && tombstones * 100 > (series + 1) * 5) return {k, k + 1};
  }
  return {};
}

}  // namespace

std::vector<size_t> Plan(std::span<const BlockMeta> metas, std::span<const int64_t> ranges) {
  std::vector<size_t> order(metas.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return metas[a].min_time < metas[b].min_time; });

  Run pick = OverlappingGroup(metas, order);
  if (pick.size() == 0 && !order.empty()) {
    // The newest block waits a full range before it is merged.
    const size_t count = order.size() - 1;
    pick = LeveledGroup(metas, order, count, ranges);
    if (pick.size() == 0) pick = TombstoneRewrite(metas, order, count, ranges);
  }
  std::vector<size_t> result;
  result.reserve(pick.size());
  for (size_t k = pick.begin; k < pick.end; ++k) result.push_back(order[k]);
  return result;
}

}  // namespace tsdbd::tsdb::compact
