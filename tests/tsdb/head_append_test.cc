// The head's appender: validation outcomes, commit and rollback, chunk cutting, stats.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>

#include "lib/model/value.h"
#include "lib/tsdb/head/head.h"
#include "tests/tsdb/head_test_util.h"

namespace tsdbd::tsdb {
namespace {

using storage::AppendStatus;
using testing::BitSample;
using testing::Eq;
using testing::SelectAll;

std::unique_ptr<Head> NewHead(int64_t range = 2 * 3600 * 1000) {
  HeadOptions o = testing::MemOptions();
  o.chunk_range_ms = range;
  auto h = Head::Open(o);
  EXPECT_TRUE(h.ok());
  return std::move(*h);
}

uint64_t Bits(double v) {
  return std::bit_cast<uint64_t>(v);
}

TEST(HeadAppendTest, CommitMakesSamplesVisible) {
  auto head = NewHead();
  Labels up{{"__name__", "up"}, {"job", "a"}};
  auto app = head->NewAppender();
  auto r = app->Append(0, up, 1000, 1);
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r.ref, 0u);
  ASSERT_TRUE(app->Append(r.ref, up, 2000, 2).ok());
  EXPECT_TRUE(SelectAll(*head, 0, 10000, {Eq("job", "a")}).empty()) << "uncommitted";
  ASSERT_TRUE(app->Commit().ok());
  auto got = SelectAll(*head, 0, 10000, {Eq("job", "a")});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].labels, up);
  EXPECT_EQ(got[0].samples, (std::vector<BitSample>{{1000, Bits(1)}, {2000, Bits(2)}}));
  HeadStats st = head->Stats();
  EXPECT_EQ(st.num_series, 1u);
  EXPECT_EQ(st.samples_appended, 2u);
  EXPECT_EQ(st.min_time, 1000);
  EXPECT_EQ(st.max_time, 2000);
  EXPECT_EQ(st.num_chunks, 1u);
}

TEST(HeadAppendTest, RollbackDiscards) {
  auto head = NewHead();
  Labels l{{"__name__", "x"}};
  auto app = head->NewAppender();
  ASSERT_TRUE(app->Append(0, l, 1000, 1).ok());
  app->Rollback();
  EXPECT_TRUE(SelectAll(*head, 0, 10000, {Eq("__name__", "x")}).empty());
  EXPECT_EQ(head->Stats().samples_appended, 0u);
}

TEST(HeadAppendTest, ValidationOutcomes) {
  auto head = NewHead();
  Labels l{{"__name__", "x"}};
  {
    auto app = head->NewAppender();
    ASSERT_TRUE(app->Append(0, l, 10'000'000, 1).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  auto app = head->NewAppender();
  EXPECT_EQ(app->Append(0, l, 9'999'999, 1).status, AppendStatus::kOutOfOrder);
  EXPECT_EQ(app->Append(0, l, 10'000'000, 2).status, AppendStatus::kDuplicateTimestamp);
  // The same sample again: accepted, not stored twice.
  auto same = app->Append(0, l, 10'000'000, 1);
  EXPECT_TRUE(same.ok());
  EXPECT_NE(same.ref, 0u);
  // Older than max time - range/2: out of bounds.
  EXPECT_EQ(app->Append(0, l, 10'000'000 - 3600 * 1000 - 1, 1).status, AppendStatus::kOutOfBounds);
  EXPECT_EQ(app->Append(0, Labels(), 10'000'001, 1).status, AppendStatus::kInvalidLabels);
  // No __name__ needed, as in Prometheus's head.
  EXPECT_TRUE(app->Append(0, Labels{{"job", "y"}}, 10'000'001, 1).ok());
  ASSERT_TRUE(app->Commit().ok());
  auto got = SelectAll(*head, 0, 20'000'000, {Eq("__name__", "x")});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].samples.size(), 1u);
  HeadStats st = head->Stats();
  EXPECT_EQ(st.out_of_order_samples, 1u);
  EXPECT_EQ(st.duplicate_samples, 1u);
  EXPECT_EQ(st.out_of_bounds_samples, 1u);
}

TEST(HeadAppendTest, NaNDuplicatesComparedByBits) {
  auto head = NewHead();
  Labels l{{"__name__", "x"}};
  {
    auto app = head->NewAppender();
    ASSERT_TRUE(app->Append(0, l, 1000, StaleNaN()).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  auto app = head->NewAppender();
  EXPECT_TRUE(app->Append(0, l, 1000, StaleNaN()).ok());
  EXPECT_EQ(app->Append(0, l, 1000, std::nan("")).status, AppendStatus::kDuplicateTimestamp);
  ASSERT_TRUE(app->Commit().ok());
  auto got = SelectAll(*head, 0, 2000, {Eq("__name__", "x")});
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0].samples.size(), 1u);
  EXPECT_EQ(got[0].samples[0].v, kStaleNaNBits);
}

TEST(HeadAppendTest, OutOfOrderWithinBatchDroppedAtCommit) {
  auto head = NewHead();
  Labels l{{"__name__", "x"}};
  auto app = head->NewAppender();
  ASSERT_TRUE(app->Append(0, l, 2000, 2).ok());
  ASSERT_TRUE(app->Append(0, l, 1000, 1).ok());  // checked against committed data only
  ASSERT_TRUE(app->Commit().ok());
  auto got = SelectAll(*head, 0, 3000, {Eq("__name__", "x")});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].samples, (std::vector<BitSample>{{2000, Bits(2)}}));
  EXPECT_EQ(head->Stats().out_of_order_samples, 1u);
}

TEST(HeadAppendTest, StaleRefFallsBackToLabels) {
  auto head = NewHead();
  Labels l{{"__name__", "x"}};
  auto app = head->NewAppender();
  auto r = app->Append(987654, l, 1000, 1);  // unknown ref
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r.ref, 987654u);
  ASSERT_TRUE(app->Commit().ok());
  EXPECT_EQ(SelectAll(*head, 0, 3000, {Eq("__name__", "x")}).size(), 1u);
}

TEST(HeadAppendTest, CommitTwiceFails) {
  auto head = NewHead();
  auto app = head->NewAppender();
  ASSERT_TRUE(app->Commit().ok());
  EXPECT_FALSE(app->Commit().ok());
}

size_t AppendEvery(Head& head, const Labels& l, int64_t start, int64_t step, int n) {
  auto app = head.NewAppender();
  size_t ok = 0;
  for (int i = 0; i < n; ++i) ok += app->Append(0, l, start + i * step, i).ok();
  EXPECT_TRUE(app->Commit().ok());
  return ok;
}

TEST(HeadChunkCutTest, ScrapeEvery15sGives120SampleChunks) {
  auto head = NewHead();
  Labels l{{"__name__", "x"}};
  // Two full ranges of 15s samples: 480 a range, in 4 chunks of 120.
  ASSERT_EQ(AppendEvery(*head, l, 0, 15000, 960), 960u);
  EXPECT_EQ(head->Stats().num_chunks, 8u);
  EXPECT_EQ(head->Stats().chunks_created, 8u);
}

TEST(HeadChunkCutTest, CutAtRangeBoundary) {
  auto head = NewHead();
  Labels l{{"__name__", "x"}};
  const int64_t range = 2 * 3600 * 1000;
  // 10 samples before the boundary, 10 after: two chunks although both are small.
  ASSERT_EQ(AppendEvery(*head, l, range - 10 * 15000, 15000, 20), 20u);
  EXPECT_EQ(head->Stats().num_chunks, 2u);
  auto got = SelectAll(*head, 0, 2 * range, {Eq("__name__", "x")});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].samples.size(), 20u);
}

TEST(HeadChunkCutTest, RateIncreaseCutsAtTwiceTheTarget) {
  auto head = NewHead();
  Labels l{{"__name__", "x"}};
  // 31 samples 1s apart (the prediction at the quarter mark expects a slow series), then
  // 1ms apart: the chunk is cut at 240 samples, then each new chunk predicts ~120.
  ASSERT_EQ(AppendEvery(*head, l, 0, 1000, 31), 31u);
  ASSERT_EQ(AppendEvery(*head, l, 31000, 1, 209), 209u);
  EXPECT_EQ(head->Stats().num_chunks, 1u);  // 240 samples, one chunk
  ASSERT_EQ(AppendEvery(*head, l, 31209, 1, 1), 1u);
  EXPECT_EQ(head->Stats().num_chunks, 2u);  // the 241st sample opened a new one
  ASSERT_EQ(AppendEvery(*head, l, 31210, 1, 239), 239u);
  // The new chunk predicted its end at ~120 samples at 1ms.
  EXPECT_EQ(head->Stats().num_chunks, 3u);
}

TEST(HeadChunkCutTest, ComputeChunkEndTime) {
  EXPECT_EQ(ComputeChunkEndTime(0, 435000, 7200000), 1800000);
  EXPECT_EQ(ComputeChunkEndTime(0, 7000000, 7200000), 7200000);  // n <= 1: keep max
  EXPECT_EQ(RangeForTimestamp(0, 7200000), 7200000);
  EXPECT_EQ(RangeForTimestamp(7200000, 7200000), 14400000);
  EXPECT_EQ(RangeForTimestamp(7199999, 7200000), 7200000);
}

TEST(HeadQueryTest, SeekAndRanges) {
  auto head = NewHead();
  Labels l{{"__name__", "x"}};
  ASSERT_EQ(AppendEvery(*head, l, 0, 1000, 500), 500u);  // several chunks
  auto q = head->NewQuerier(100'500, 400'000);
  ASSERT_TRUE(q.ok());
  std::vector<Matcher> ms = {Eq("__name__", "x")};
  auto set = (*q)->Select(false, nullptr, ms);
  ASSERT_TRUE(set->Next());
  auto s = set->At();
  auto it = s->Iterator();
  ASSERT_TRUE(it->Seek(0));  // clamps to the querier's mint
  EXPECT_EQ(it->At().t, 101'000);
  ASSERT_TRUE(it->Seek(250'000));
  EXPECT_EQ(it->At().t, 250'000);
  ASSERT_TRUE(it->Seek(10));  // never backwards
  EXPECT_EQ(it->At().t, 250'000);
  ASSERT_TRUE(it->Next());
  EXPECT_EQ(it->At().t, 251'000);
  EXPECT_FALSE(it->Seek(400'001));
  EXPECT_FALSE(it->Next());
  auto all = testing::Drain(*s->Iterator());
  ASSERT_EQ(all.size(), 300u);
  EXPECT_EQ(all.front().t, 101'000);
  EXPECT_EQ(all.back().t, 400'000);
  EXPECT_FALSE(set->Next());
}

TEST(HeadQueryTest, LabelNamesAndValues) {
  auto head = NewHead();
  auto app = head->NewAppender();
  ASSERT_TRUE(app->Append(0, Labels{{"__name__", "a"}, {"job", "j1"}}, 1000, 1).ok());
  ASSERT_TRUE(app->Append(0, Labels{{"__name__", "b"}, {"job", "j2"}, {"x", "1"}}, 1000, 1).ok());
  ASSERT_TRUE(app->Commit().ok());
  auto q = head->NewQuerier(0, 2000);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*(*q)->LabelNames({}), (std::vector<std::string>{"__name__", "job", "x"}));
  EXPECT_EQ(*(*q)->LabelValues("job", {}), (std::vector<std::string>{"j1", "j2"}));
  std::vector<Matcher> ms = {Eq("__name__", "a")};
  EXPECT_EQ(*(*q)->LabelNames(ms), (std::vector<std::string>{"__name__", "job"}));
  EXPECT_EQ(*(*q)->LabelValues("job", ms), (std::vector<std::string>{"j1"}));
  EXPECT_TRUE((*q)->LabelValues("x", ms)->empty());
  auto far = head->NewQuerier(5000, 6000);  // outside the head's range
  EXPECT_TRUE((*far)->LabelNames({})->empty());
}

TEST(HeadStatsTest, CardinalityAndMemory) {
  auto head = NewHead();
  auto app = head->NewAppender();
  for (int i = 0; i < 30; ++i) {
    std::string metric = i < 20 ? "big" : "small";
    ASSERT_TRUE(
        app->Append(0, Labels{{"__name__", metric}, {"i", std::to_string(i)}}, 1000, 1).ok());
  }
  ASSERT_TRUE(app->Commit().ok());
  auto st = head->CardinalityStats();
  ASSERT_EQ(st.series_count_by_metric_name.size(), 2u);
  EXPECT_EQ(st.series_count_by_metric_name[0].name, "big");
  EXPECT_EQ(st.series_count_by_metric_name[0].count, 20u);
  EXPECT_EQ(st.label_value_count_by_label_name[0].name, "i");
  EXPECT_EQ(st.label_value_count_by_label_name[0].count, 30u);
  EXPECT_EQ(st.series_count_by_label_value_pair.size(), 10u);
  EXPECT_GT(head->MemoryBytes(), 30u * 100);
}

TEST(HeadTruncateTest, DropsOldChunksAndCollectsEmptySeries) {
  auto head = NewHead(100'000);
  auto app = head->NewAppender();
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(app->Append(0, Labels{{"__name__", "old"}}, i * 1000, i).ok());
  }
  ASSERT_TRUE(app->Commit().ok());
  app = head->NewAppender();
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(app->Append(0, Labels{{"__name__", "new"}}, i * 1000, i).ok());
  }
  ASSERT_TRUE(app->Commit().ok());
  EXPECT_EQ(head->Stats().num_series, 2u);
  ASSERT_TRUE(head->Truncate(200'000).ok());
  HeadStats st = head->Stats();
  EXPECT_EQ(st.num_series, 1u);
  EXPECT_EQ(st.series_removed, 1u);
  EXPECT_EQ(st.min_time, 200'000);
  EXPECT_TRUE(SelectAll(*head, 0, 1'000'000, {Eq("__name__", "old")}).empty());
  auto q = head->NewQuerier(0, 1'000'000);
  EXPECT_EQ(*(*q)->LabelValues("__name__", {}), (std::vector<std::string>{"new"}));
  auto got = SelectAll(*head, 0, 1'000'000, {Eq("__name__", "new")});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].samples.front().t, 200'000);  // range-aligned chunk cut at 200s
  EXPECT_EQ(got[0].samples.size(), 100u);
  // Older than the truncation point: out of bounds now.
  app = head->NewAppender();
  EXPECT_EQ(app->Append(0, Labels{{"__name__", "new"}}, 150'000, 1).status,
            AppendStatus::kOutOfBounds);
}

TEST(HeadTruncateTest, SeriesInUseSurvivesCollection) {
  auto head = NewHead(100'000);
  auto app = head->NewAppender();
  auto r = app->Append(0, Labels{{"__name__", "x"}}, 1000, 1);
  ASSERT_TRUE(r.ok());
  // The pending appender holds the series: Truncate must not free it under our feet.
  ASSERT_TRUE(head->Truncate(500).ok());
  EXPECT_EQ(head->Stats().num_series, 1u);
  ASSERT_TRUE(app->Commit().ok());
  EXPECT_EQ(SelectAll(*head, 0, 10'000, {Eq("__name__", "x")}).size(), 1u);
}

}  // namespace
}  // namespace tsdbd::tsdb

namespace tsdbd::tsdb {
namespace {

TEST(SeriesMapTest, HashCollisionsKeepSeriesApart) {
  SeriesMap map(4);
  uint64_t next = 1;
  auto make_ref = [&] { return next++; };
  int added = 0;
  auto on_create = [&](MemSeries&) { ++added; };
  bool created = false;
  // Three different label sets forced onto one hash.
  Labels a{{"a", "1"}}, b{{"b", "2"}}, c{{"c", "3"}};
  SeriesPtr sa = map.GetOrCreate(42, a, make_ref, on_create, &created);
  EXPECT_TRUE(created);
  SeriesPtr sb = map.GetOrCreate(42, b, make_ref, on_create, &created);
  EXPECT_TRUE(created);
  SeriesPtr sc = map.GetOrCreate(42, c, make_ref, on_create, &created);
  EXPECT_TRUE(created);
  EXPECT_EQ(added, 3);
  EXPECT_EQ(map.GetOrCreate(42, b, make_ref, on_create, &created).get(), sb.get());
  EXPECT_FALSE(created);
  EXPECT_EQ(map.GetByLabels(42, a).get(), sa.get());
  EXPECT_EQ(map.GetByLabels(42, c).get(), sc.get());
  EXPECT_FALSE(map.GetByLabels(42, Labels{{"d", "4"}}));
  EXPECT_EQ(map.GetByRef(sb->ref()).get(), sb.get());
  // Removing the middle of the chain keeps the others reachable; a series still referenced
  // is skipped.
  SeriesPtr keep_c = sc;
  sa = SeriesPtr();
  sb = SeriesPtr();
  sc = SeriesPtr();
  auto removed =
      map.RemoveIf([](MemSeries& s) { return s.labels().Has("b") || s.labels().Has("c"); });
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].second, b);
  EXPECT_FALSE(map.GetByLabels(42, b));
  EXPECT_TRUE(map.GetByLabels(42, a));
  EXPECT_TRUE(map.GetByLabels(42, c));
  EXPECT_EQ(map.size(), 2u);
}

}  // namespace
}  // namespace tsdbd::tsdb

namespace tsdbd::tsdb {
namespace {

TEST(SeriesMapTest, SparseRefsAndFreedBlocks) {
  SeriesMap map(8);
  bool created = false;
  auto noop = [](MemSeries&) {};
  const uint64_t big = uint64_t{1} << 40;  // beyond the dense table
  SeriesPtr a = map.GetOrCreate(
      1, Labels{{"a", "1"}}, [&] { return big; }, noop, &created);
  SeriesPtr b = map.GetOrCreate(
      2, Labels{{"b", "1"}}, [] { return uint64_t{70000}; }, noop, &created);
  EXPECT_EQ(map.GetByRef(big).get(), a.get());
  EXPECT_EQ(map.GetByRef(70000).get(), b.get());
  EXPECT_FALSE(map.GetByRef(70001));
  EXPECT_FALSE(map.GetByRef(uint64_t{1} << 33));
  a = SeriesPtr();
  b = SeriesPtr();
  EXPECT_EQ(map.RemoveIf([](MemSeries&) { return true; }).size(), 2u);  // frees the block
  EXPECT_FALSE(map.GetByRef(big));
  EXPECT_FALSE(map.GetByRef(70000));
  SeriesPtr c = map.GetOrCreate(
      3, Labels{{"c", "1"}}, [] { return uint64_t{70002}; }, noop, &created);
  EXPECT_EQ(map.GetByRef(70002).get(), c.get());
  int n = 0;
  map.ForEach([&](MemSeries&) { ++n; });
  EXPECT_EQ(n, 1);
}

}  // namespace
}  // namespace tsdbd::tsdb
