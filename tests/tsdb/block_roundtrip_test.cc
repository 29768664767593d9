// Head → block → read back: what a block holds is exactly what the head held for its range.
#include <gtest/gtest.h>

#include <bit>
#include <filesystem>
#include <random>

#include "lib/model/value.h"
#include "lib/tsdb/block/block.h"
#include "lib/tsdb/block/block_writer.h"
#include "lib/tsdb/block/ulid.h"
#include "lib/tsdb/db/block_files.h"
#include "tests/testing/process.h"
#include "tests/tsdb/head_test_util.h"

namespace tsdbd::tsdb {
namespace {

using testing::SelectAll;
using testing::SeriesData;

constexpr int64_t kRange = 2 * 60 * 60 * 1000;

class BlockQueryable final : public storage::Queryable {
 public:
  explicit BlockQueryable(block::BlockPtr b) : b_(std::move(b)) {}
  Result<std::unique_ptr<storage::Querier>> NewQuerier(int64_t mint, int64_t maxt) override {
    return b_->NewQuerier(mint, maxt);
  }

 private:
  block::BlockPtr b_;
};

// A head holding random series over [0, 3 ranges): gaps, stale markers, many labels.
std::unique_ptr<Head> RandomHead(int num_series, uint32_t seed) {
  auto head = Head::Open(HeadOptions{});
  EXPECT_TRUE(head.ok());
  std::mt19937 rng(seed);
  auto app = (*head)->NewAppender();
  for (int i = 0; i < num_series; ++i) {
    LabelsBuilder b;
    b.Set("__name__", "metric_" + std::to_string(i % 7));
    b.Set("instance", "host-" + std::to_string(i));
    const int extra = static_cast<int>(rng() % 12);
    for (int k = 0; k < extra; ++k)
      b.Set("l" + std::to_string(k), "välue " + std::to_string(rng() % 5));
    const Labels labels = b.Build();
    int64_t t = static_cast<int64_t>(rng() % 60000);
    double v = 0;
    while (t < 3 * kRange) {
      double value = v;
      if (rng() % 50 == 0) value = StaleNaN();
      EXPECT_EQ(app->Append(0, labels, t, value).status, storage::AppendStatus::kOk);
      v += static_cast<double>(rng() % 100) / 7;
      t += 15000 + static_cast<int64_t>(rng() % 1000);
      if (rng() % 40 == 0) t += 20 * 60 * 1000;  // a gap
    }
  }
  EXPECT_TRUE(app->Commit().ok());
  return std::move(*head);
}

block::BlockMeta MetaFor(int64_t mint, int64_t maxt) {
  block::BlockMeta meta;
  meta.ulid = block::NewUlid(1);
  meta.min_time = mint;
  meta.max_time = maxt;
  meta.compaction.sources = {meta.ulid};
  return meta;
}

// The head's series in [mint, maxt], all in memory.
std::vector<block::ChunkSeries> HeadSeries(const Head& head, int64_t mint, int64_t maxt) {
  HeadSeriesSource source(head, mint, maxt);
  std::vector<block::ChunkSeries> out;
  while (const block::ChunkSeries* s = source.Next()) out.push_back(*s);
  return out;
}

TEST(BlockRoundTrip, BlockReadsBackWhatTheHeadHeldForTheRange) {
  tsdbd::testing::TempDir dir;
  auto head = RandomHead(300, 7);
  for (int r = 0; r < 3; ++r) {
    const int64_t mint = r * kRange, maxt = (r + 1) * kRange;
    // Streamed from the head, one series at a time, as head compaction writes blocks.
    HeadSeriesSource series(*head, mint, maxt - 1);
    ASSERT_FALSE(series.empty());
    auto meta = block::WriteBlock(dir.path(), series, MetaFor(mint, maxt));
    ASSERT_TRUE(meta.ok()) << meta.error().message();
    auto b = block::Block::Open(dir.path() + "/" + meta->ulid);
    ASSERT_TRUE(b.ok()) << b.error().message();
    BlockQueryable bq(*b);
    const std::vector<Matcher> all = {testing::M("__name__", Matcher::Type::kRegexMatch, ".+")};
    std::vector<SeriesData> want = SelectAll(*head, mint, maxt - 1, all);
    EXPECT_EQ(meta->stats.num_series, want.size());
    std::vector<SeriesData> got = SelectAll(bq, mint, maxt - 1, all);
    ASSERT_EQ(got.size(), want.size());
    uint64_t samples = 0;
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].labels, want[i].labels);
      EXPECT_EQ(got[i].samples, want[i].samples) << got[i].labels.ToString();
      samples += got[i].samples.size();
    }
    EXPECT_EQ(meta->stats.num_samples, samples);
    // A narrower window and a selective matcher read the same as the head.
    const std::vector<Matcher> some = {testing::Eq("__name__", "metric_3"),
                                       testing::M("l0", Matcher::Type::kNotEqual, "")};
    EXPECT_EQ(SelectAll(bq, mint + 1000000, mint + 2000000, some).size(),
              SelectAll(*head, mint + 1000000, mint + 2000000, some).size());
    auto q = (*b)->NewQuerier(mint, maxt);
    auto names = q->LabelNames({});
    ASSERT_TRUE(names.ok());
    EXPECT_EQ(names->front(), "__name__");
    auto values = q->LabelValues("__name__", some);
    ASSERT_TRUE(values.ok());
    EXPECT_EQ(*values, std::vector<std::string>{"metric_3"});
  }
}

TEST(BlockRoundTrip, RefusesUnsortedSeriesAndChunksOutsideTheRangeLeavingNothing) {
  tsdbd::testing::TempDir dir;
  auto head = RandomHead(5, 1);
  auto series = HeadSeries(*head, 0, kRange - 1);
  ASSERT_GE(series.size(), 2u);
  std::swap(series[0], series[1]);
  EXPECT_FALSE(block::WriteBlock(dir.path(), series, MetaFor(0, kRange)).ok());
  std::swap(series[0], series[1]);
  EXPECT_FALSE(block::WriteBlock(dir.path(), series, MetaFor(0, kRange / 2)).ok());
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(BlockRoundTrip, SeriesWithoutChunksPublishNoBlock) {
  tsdbd::testing::TempDir dir;
  auto head = RandomHead(5, 1);
  auto series = HeadSeries(*head, 0, kRange - 1);
  for (block::ChunkSeries& s : series) s.chunks.clear();
  auto meta = block::WriteBlock(dir.path(), series, MetaFor(0, kRange));
  ASSERT_TRUE(meta.ok()) << meta.error().message();
  EXPECT_EQ(meta->stats.num_series, 0u);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

// A series whose samples are deleted after the source found it is left out, symbols and all
// else intact.
TEST(BlockRoundTrip, ASeriesDeletedWhileStreamingIsLeftOut) {
  tsdbd::testing::TempDir dir;
  auto head = RandomHead(20, 3);
  const size_t before = HeadSeries(*head, 0, kRange - 1).size();
  HeadSeriesSource series(*head, 0, kRange - 1);
  ASSERT_TRUE(
      head->Delete(0, kRange, std::vector<Matcher>{testing::Eq("instance", "host-4")}).ok());
  auto meta = block::WriteBlock(dir.path(), series, MetaFor(0, kRange));
  ASSERT_TRUE(meta.ok()) << meta.error().message();
  EXPECT_EQ(meta->stats.num_series, before - 1);
  auto b = block::Block::Open(dir.path() + "/" + meta->ulid);
  ASSERT_TRUE(b.ok()) << b.error().message();
  BlockQueryable bq(*b);
  const std::vector<Matcher> all = {testing::M("__name__", Matcher::Type::kRegexMatch, ".+")};
  const std::vector<SeriesData> got = SelectAll(bq, 0, kRange - 1, all);
  const std::vector<SeriesData> want = SelectAll(*head, 0, kRange - 1, all);
  ASSERT_EQ(got.size(), before - 1);
  ASSERT_EQ(want.size(), before - 1);
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].labels, want[i].labels);
}

}  // namespace
}  // namespace tsdbd::tsdb
