// The replay's appliers against one thread applying the same ops in order: however the
// workers split and reorder a batch, every series ends with the chunks, and the counts are
// those, of its own ops applied in the order they were queued.
#include "lib/tsdb/head/replay_shards.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <limits>
#include <memory>
#include <random>
#include <vector>

namespace tsdbd::tsdb {
namespace {

constexpr int64_t kChunkRange = 2 * 60 * 60 * 1000;

struct Op {
  size_t series;
  int64_t t;
  int64_t maxt;  // for deletions
  uint64_t v;
  bool is_delete;
};

std::vector<std::unique_ptr<MemSeries>> MakeSeries(size_t n) {
  std::vector<std::unique_ptr<MemSeries>> out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(std::make_unique<MemSeries>(i + 1, Labels{{"i", std::to_string(i)}}));
  }
  return out;
}

// Rounds of samples over every series in a shuffled order, a sample now and then out of
// order, and deletions now and then: more ops than one batch holds.
std::vector<Op> MakeOps(size_t series, int rounds) {
  std::mt19937_64 rng(7);
  std::vector<size_t> order(series);
  for (size_t i = 0; i < series; ++i) order[i] = i;
  std::vector<Op> ops;
  for (int r = 0; r < rounds; ++r) {
    std::shuffle(order.begin(), order.end(), rng);
    const int64_t t = r * 15'000;
    for (size_t i : order) {
      const double v = static_cast<double>(rng() % 1000);
      if (rng() % 97 == 0) {
        ops.push_back({i, t - 60'000, 0, std::bit_cast<uint64_t>(v), false});  // out of order
      }
      ops.push_back({i, t + static_cast<int64_t>(rng() % 100), 0, std::bit_cast<uint64_t>(v),
                     false});
      if (rng() % 211 == 0) ops.push_back({i, t - 90'000, t - 30'000, 0, true});
    }
  }
  return ops;
}

TEST(ReplayShards, EverySeriesEndsAsItsOpsAppliedInOrderWouldLeaveIt) {
  constexpr size_t kSeries = 3000;
  const std::vector<Op> ops = MakeOps(kSeries, 200);  // ~600k ops: a few batches per worker
  auto replayed = MakeSeries(kSeries);
  auto model = MakeSeries(kSeries);

  ReplayShards shards(3, kChunkRange);
  ReplayShardStats want;
  for (const Op& op : ops) {
    MemSeries& m = *model[op.series];
    if (op.is_delete) {
      shards.AddDeletion(replayed[op.series].get(), op.t, op.maxt);
      want.chunks_removed += m.DeleteRange(op.t, op.maxt);
      continue;
    }
    shards.AddSample(replayed[op.series].get(), op.t, op.v);
    bool created = false;
    if (!m.Append(op.t, op.v, kChunkRange, &created)) {
      ++want.out_of_order_samples;
      continue;
    }
    ++want.samples;
    if (created) ++want.chunks_created;
    want.min_time = std::min(want.min_time, op.t);
    want.max_time = std::max(want.max_time, op.t);
  }
  const ReplayShardStats got = shards.Finish();

  EXPECT_GT(want.out_of_order_samples, 0);
  EXPECT_GT(std::ranges::count_if(ops, [](const Op& op) { return op.is_delete; }), 0);
  EXPECT_EQ(got.samples, want.samples);
  EXPECT_EQ(got.out_of_order_samples, want.out_of_order_samples);
  EXPECT_EQ(got.chunks_created, want.chunks_created);
  EXPECT_EQ(got.chunks_removed, want.chunks_removed);
  EXPECT_EQ(got.min_time, want.min_time);
  EXPECT_EQ(got.max_time, want.max_time);
  for (size_t i = 0; i < kSeries; ++i) {
    std::vector<HeadChunkPtr> a, b;
    replayed[i]->Snapshot(MemSeries::kNoTime, std::numeric_limits<int64_t>::max(), &a);
    model[i]->Snapshot(MemSeries::kNoTime, std::numeric_limits<int64_t>::max(), &b);
    ASSERT_EQ(a.size(), b.size()) << "series " << i;
    for (size_t c = 0; c < a.size(); ++c) {
      EXPECT_EQ(a[c]->min_t(), b[c]->min_t()) << "series " << i << " chunk " << c;
      EXPECT_EQ(a[c]->max_t(), b[c]->max_t()) << "series " << i << " chunk " << c;
      EXPECT_TRUE(std::ranges::equal(a[c]->bytes(), b[c]->bytes()))
          << "series " << i << " chunk " << c;
    }
    EXPECT_EQ(replayed[i]->max_time(), model[i]->max_time()) << "series " << i;
  }
}

}  // namespace
}  // namespace tsdbd::tsdb
