// The compaction planner on hand-built metas: Prometheus 2.42's documented cases.
#include <gtest/gtest.h>

#include <algorithm>
#include <span>
#include <utility>
#include <vector>

#include "lib/tsdb/compact/block_ranges.h"
#include "lib/tsdb/compact/planner.h"

namespace tsdbd::tsdb::compact {
namespace {

using block::BlockMeta;

constexpr int64_t kH = 60 * 60 * 1000;

BlockMeta Meta(int64_t mint_h, int64_t maxt_h) {
  BlockMeta m;
  m.min_time = mint_h * kH;
  m.max_time = maxt_h * kH;
  m.stats.num_series = 100;
  return m;
}

// The default ranges: 2h, 6h, 18h, 54h, 162h, 486h (31 days keeps six of the ten).
std::vector<int64_t> DefaultRanges() {
  return BlockRanges(2 * kH, 31 * 24 * kH);
}

std::vector<size_t> PlanOf(const std::vector<BlockMeta>& metas) {
  auto ranges = DefaultRanges();
  return Plan(metas, ranges);
}

TEST(BlockRangesTest, ExponentialFactorThreeCutAtMax) {
  EXPECT_EQ(DefaultRanges(),
            (std::vector<int64_t>{2 * kH, 6 * kH, 18 * kH, 54 * kH, 162 * kH, 486 * kH}));
  // Unbounded: ten steps.
  auto all = BlockRanges(20, INT64_MAX);
  ASSERT_EQ(all.size(), 10u);
  EXPECT_EQ(all.back(), 20 * 19683);
  // A maximum equal to a step keeps it.
  EXPECT_EQ(BlockRanges(2, 18), (std::vector<int64_t>{2, 6, 18}));
  EXPECT_EQ(BlockRanges(2, 17), (std::vector<int64_t>{2, 6}));
  // The head's range survives a smaller maximum; nonsense minimums give nothing.
  EXPECT_EQ(BlockRanges(2 * kH, kH), (std::vector<int64_t>{2 * kH}));
  EXPECT_TRUE(BlockRanges(0, kH).empty());
  EXPECT_TRUE(BlockRanges(-5, kH).empty());
}

TEST(PlannerTest, NothingToDoForNoneOrOneBlock) {
  EXPECT_TRUE(PlanOf({}).empty());
  EXPECT_TRUE(PlanOf({Meta(0, 2)}).empty());
}

TEST(PlannerTest, ThreeTwoHourBlocksWaitForAFourth) {
  // Three blocks fill the first 6h window, but the newest is never included: no plan.
  EXPECT_TRUE(PlanOf({Meta(0, 2), Meta(2, 4), Meta(4, 6)}).empty());
  // A fourth after them: the full 6h window is merged.
  EXPECT_EQ(PlanOf({Meta(0, 2), Meta(2, 4), Meta(4, 6), Meta(6, 8)}),
            (std::vector<size_t>{0, 1, 2}));
}

TEST(PlannerTest, TwoBlocksOfAWindowWaitWhileTheWindowCanStillFill) {
  // [0,2) [2,4) are in the 6h window [0,6) which the newest [4,6) still belongs to.
  EXPECT_TRUE(PlanOf({Meta(0, 2), Meta(2, 4), Meta(4, 6)}).empty());
  // Once a later block exists beyond the window, a partial window lies before it.
  EXPECT_EQ(PlanOf({Meta(0, 2), Meta(2, 4), Meta(8, 10), Meta(10, 12)}),
            (std::vector<size_t>{0, 1}));
}

TEST(PlannerTest, GapsInsideAFullWindow) {
  // [0,2) and [4,6) span the whole window [0,6) with a gap: picked.
  EXPECT_EQ(PlanOf({Meta(0, 2), Meta(4, 6), Meta(6, 8), Meta(8, 10)}), (std::vector<size_t>{0, 1}));
  // A single block per window is never "compacted" alone.
  EXPECT_TRUE(PlanOf({Meta(0, 2), Meta(6, 8), Meta(12, 14), Meta(18, 20)}).empty());
}

TEST(PlannerTest, SmallestRangeFirstThenHigherLevels) {
  // Three 6h blocks fill an 18h window; the newest 2h block is left out.
  EXPECT_EQ(PlanOf({Meta(0, 6), Meta(6, 12), Meta(12, 18), Meta(18, 20)}),
            (std::vector<size_t>{0, 1, 2}));
  // A 6h window available among 2h blocks comes before an 18h window.
  EXPECT_EQ(PlanOf({Meta(0, 6), Meta(6, 12), Meta(12, 18), Meta(18, 20), Meta(20, 22), Meta(22, 24),
                    Meta(24, 26)}),
            (std::vector<size_t>{3, 4, 5}));
}

// Merges the blocks each plan picks (as the compactor does: one block over the first's min
// and the last's max time) until the plan is empty; returns the blocks left, oldest first,
// as [min, max) pairs, and counts the merges in *merges.
std::vector<std::pair<int64_t, int64_t>> Settle(std::vector<BlockMeta> metas,
                                                std::span<const int64_t> ranges, int* merges) {
  *merges = 0;
  for (std::vector<size_t> plan = Plan(metas, ranges); !plan.empty(); plan = Plan(metas, ranges)) {
    BlockMeta merged = metas[plan.front()];
    merged.max_time = metas[plan.back()].max_time;
    for (auto k = plan.rbegin(); k != plan.rend(); ++k) {
      metas.erase(metas.begin() + static_cast<ptrdiff_t>(*k));
    }
    metas.push_back(merged);
    ++*merges;
  }
  std::vector<std::pair<int64_t, int64_t>> out;
  for (const BlockMeta& m : metas) out.emplace_back(m.min_time, m.max_time);
  std::sort(out.begin(), out.end());
  return out;
}

// What Prometheus 2.42 wrote (its meta.json) for a WAL of 5s samples 868ms off the grid,
// started with min-block-duration=10m and max-block-duration=180m, scaled here to 2h and
// 36h (the default maximum with 15d of retention): the head is cut into a first block
// from the first sample to the 2h boundary, then 2h blocks each starting at its first
// sample, 868ms past the boundary. Such blocks never span a whole window, so a window
// merges only once the second newest block starts after it: the 6h window [24h,30h)
// stays three 2h blocks, where blocks starting on the boundary would have been merged.
TEST(PlannerTest, HeadBlocksOffTheGridSettleAsPrometheusLaysThemOut) {
  constexpr int64_t kOff = 868;
  const int64_t first = 9 * kH + 35 * 60 * 1000 + kOff;
  std::vector<BlockMeta> metas = {Meta(0, 12)};
  metas[0].min_time = first;
  metas[0].max_time = 10 * kH;
  for (int64_t h = 10; h < 32; h += 2) {
    metas.push_back(Meta(h, h + 2));
    metas.back().min_time += kOff;
  }
  const std::vector<int64_t> ranges = BlockRanges(2 * kH, 36 * kH);
  ASSERT_EQ(ranges, (std::vector<int64_t>{2 * kH, 6 * kH, 18 * kH}));
  // First the partial 6h window [6h,12h): the first block and [10h,12h), behind the newest.
  EXPECT_EQ(Plan(metas, ranges), (std::vector<size_t>{0, 1}));
  int merges = 0;
  const std::vector<std::pair<int64_t, int64_t>> settled = {
      {first, 18 * kH},          {18 * kH + kOff, 24 * kH}, {24 * kH + kOff, 26 * kH},
      {26 * kH + kOff, 28 * kH}, {28 * kH + kOff, 30 * kH}, {30 * kH + kOff, 32 * kH}};
  EXPECT_EQ(Settle(metas, ranges, &merges), settled);
  EXPECT_EQ(merges, 4);  // [6h,12h), [12h,18h), [18h,24h) of 6h, then [0h,18h) of 18h
}

TEST(PlannerTest, UnsortedInputAnswersInTimeOrder) {
  std::vector<BlockMeta> metas = {Meta(6, 8), Meta(2, 4), Meta(4, 6), Meta(0, 2)};
  EXPECT_EQ(PlanOf(metas), (std::vector<size_t>{3, 1, 2}));
}

TEST(PlannerTest, MisalignedBlocksAreSkipped) {
  // [1,3) and [3,5) do not fit a 6h-aligned window together? They do: [0,6).
  EXPECT_EQ(PlanOf({Meta(1, 3), Meta(3, 5), Meta(5, 7), Meta(7, 9)}), (std::vector<size_t>{0, 1}));
  // [5,7) straddles two 6h windows; the 18h window [0,18) holds it with [7,9), before the
  // newest remaining block [20,22).
  EXPECT_EQ(PlanOf({Meta(5, 7), Meta(7, 9), Meta(20, 22), Meta(30, 32)}),
            (std::vector<size_t>{0, 1}));
  // Without that gap the window is neither full nor before the newest remaining block.
  EXPECT_TRUE(PlanOf({Meta(5, 7), Meta(7, 9), Meta(9, 11), Meta(20, 22)}).empty());
}

TEST(PlannerTest, OverlappingBlocksComeFirst) {
  // [0,2) [1,3) overlap: vertical compaction even though the newest is one of them.
  EXPECT_EQ(PlanOf({Meta(0, 2), Meta(1, 3)}), (std::vector<size_t>{0, 1}));
  // Transitive overlap: [0,4) covers [1,2) and [3,5).
  EXPECT_EQ(PlanOf({Meta(0, 4), Meta(1, 2), Meta(3, 5), Meta(6, 8)}),
            (std::vector<size_t>{0, 1, 2}));
  // Only the first group: [4,6)+[5,7) waits for the next plan.
  EXPECT_EQ(PlanOf({Meta(0, 2), Meta(1, 2), Meta(4, 6), Meta(5, 7)}), (std::vector<size_t>{0, 1}));
  // Touching is not overlapping (max_time is exclusive).
  EXPECT_TRUE(PlanOf({Meta(0, 2), Meta(2, 4)}).empty());
  // Overlap wins over a ready leveled window.
  EXPECT_EQ(PlanOf({Meta(0, 2), Meta(2, 4), Meta(4, 6), Meta(6, 8), Meta(7, 9)}),
            (std::vector<size_t>{3, 4}));
}

TEST(PlannerTest, FailedBlocksAreNeverPicked) {
  std::vector<BlockMeta> metas = {Meta(0, 2), Meta(2, 4), Meta(4, 6), Meta(6, 8)};
  metas[1].compaction.failed = true;
  EXPECT_TRUE(PlanOf(metas).empty());
  // The window holding it is passed over, a later one is taken.
  metas = {Meta(0, 2), Meta(2, 4), Meta(4, 6), Meta(6, 8), Meta(8, 10), Meta(10, 12), Meta(12, 14)};
  metas[0].compaction.failed = true;
  EXPECT_EQ(PlanOf(metas), (std::vector<size_t>{3, 4, 5}));
  // An overlapping group with a failed block is passed over too.
  metas = {Meta(0, 2), Meta(1, 3), Meta(10, 12), Meta(11, 13)};
  metas[1].compaction.failed = true;
  EXPECT_EQ(PlanOf(metas), (std::vector<size_t>{2, 3}));
  // And a failed block is not rewritten for its tombstones.
  metas = {Meta(0, 162), Meta(162, 164)};
  metas[0].stats.num_tombstones = 50;
  metas[0].compaction.failed = true;
  EXPECT_TRUE(PlanOf(metas).empty());
}

TEST(PlannerTest, TombstoneHeavyBigBlockIsRewritten) {
  // ranges[6/2] = 54h: a 162h block with more than 5% of its series tombstoned.
  std::vector<BlockMeta> metas = {Meta(0, 162), Meta(162, 164)};
  metas[0].stats.num_series = 100;
  metas[0].stats.num_tombstones = 5;  // 5/101 < 5%
  EXPECT_TRUE(PlanOf(metas).empty());
  metas[0].stats.num_tombstones = 6;  // 6/101 > 5%
  EXPECT_EQ(PlanOf(metas), (std::vector<size_t>{0}));
  // The newest block is never the one rewritten.
  metas = {Meta(0, 2), Meta(2, 164)};
  metas[1].stats.num_tombstones = 90;
  EXPECT_TRUE(PlanOf(metas).empty());
}

TEST(PlannerTest, SmallBlocksAreRewrittenOnlyWhenEntirelyDeleted) {
  std::vector<BlockMeta> metas = {Meta(0, 2), Meta(6, 8)};
  metas[0].stats.num_tombstones = 99;
  EXPECT_TRUE(PlanOf(metas).empty());
  metas[0].stats.num_tombstones = 100;
  EXPECT_EQ(PlanOf(metas), (std::vector<size_t>{0}));
  metas[0].stats.num_series = 0;
  metas[0].stats.num_tombstones = 0;
  EXPECT_TRUE(PlanOf(metas).empty());
}

TEST(PlannerTest, TombstoneWalkStopsAtTheFirstSmallBlock) {
  // Newest first: [200,202) is small and not all deleted, so the big one before it is not
  // looked at.
  std::vector<BlockMeta> metas = {Meta(0, 162), Meta(200, 202), Meta(300, 302)};
  metas[0].stats.num_tombstones = 50;
  EXPECT_TRUE(PlanOf(metas).empty());
  // Without the small one in between, it is.
  metas = {Meta(0, 162), Meta(300, 302)};
  metas[0].stats.num_tombstones = 50;
  EXPECT_EQ(PlanOf(metas), (std::vector<size_t>{0}));
}

TEST(PlannerTest, NegativeTimesAlignDownwards) {
  // Windows of 6h: [-6,0) holds [-6,-4) and [-4,-2).
  EXPECT_EQ(PlanOf({Meta(-6, -4), Meta(-4, -2), Meta(0, 2), Meta(2, 4)}),
            (std::vector<size_t>{0, 1}));
}

TEST(PlannerTest, NoLevelsAboveTheFirstMeansNoLeveledCompaction) {
  std::vector<int64_t> ranges = {2 * kH};
  std::vector<BlockMeta> metas = {Meta(0, 2), Meta(2, 4), Meta(4, 6), Meta(6, 8)};
  EXPECT_TRUE(Plan(metas, ranges).empty());
  EXPECT_TRUE(Plan(metas, {}).empty());
}

}  // namespace
}  // namespace tsdbd::tsdb::compact
