// Selects with the "series" hint (the metadata endpoints): the head and a block return the
// same series as a full Select over any window, without reading a chunk.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "lib/tsdb/block/block.h"
#include "lib/tsdb/block/block_writer.h"
#include "lib/tsdb/block/ulid.h"
#include "lib/tsdb/db/block_files.h"
#include "tests/testing/process.h"
#include "tests/tsdb/head_test_util.h"

namespace tsdbd::tsdb {
namespace {

constexpr int64_t kRange = 2 * 60 * 60 * 1000;
constexpr int64_t kMinute = 60 * 1000;

// Series over [0, kRange) with gaps of up to an hour, so that short windows miss some.
std::unique_ptr<Head> GappyHead() {
  auto head = Head::Open(HeadOptions{});
  EXPECT_TRUE(head.ok());
  std::mt19937 rng(3);
  auto app = (*head)->NewAppender();
  for (int i = 0; i < 200; ++i) {
    const Labels labels{{"__name__", "m"}, {"i", std::to_string(i)}};
    for (int64_t t = static_cast<int64_t>(rng() % (30 * kMinute)); t < kRange;) {
      EXPECT_TRUE(app->Append(0, labels, t, static_cast<double>(t)).ok());
      t += rng() % 30 == 0 ? static_cast<int64_t>(rng() % (60 * kMinute)) : 15000;
    }
  }
  EXPECT_TRUE(app->Commit().ok());
  return std::move(*head);
}

block::BlockPtr WriteBlockOf(Head& head, const std::string& dir) {
  HeadSeriesSource series(head, 0, kRange - 1);
  block::BlockMeta meta;
  meta.ulid = block::NewUlid(1);
  meta.min_time = 0;
  meta.max_time = kRange;
  meta.compaction.sources = {meta.ulid};
  auto written = block::WriteBlock(dir, series, meta);
  EXPECT_TRUE(written.ok());
  auto b = block::Block::Open(dir + "/" + meta.ulid);
  EXPECT_TRUE(b.ok());
  return *b;
}

struct Selected {
  std::vector<Labels> labels;
  size_t samples = 0;
  Status err;
};

Selected Select(storage::Querier& q, const storage::SelectHints* hints) {
  const Matcher m = Matcher::MustMake(Matcher::Type::kEqual, "__name__", "m");
  auto set = q.Select(true, hints, std::span(&m, 1));
  Selected out;
  while (set->Next()) {
    out.labels.push_back(set->At()->labels());
    auto it = set->At()->Iterator();
    while (it->Next()) ++out.samples;
  }
  out.err = set->Err();
  return out;
}

TEST(LabelsOnlySelect, HeadAndBlockReturnTheSeriesOfAFullSelectAndNoSamples) {
  tsdbd::testing::TempDir dir;
  auto head = GappyHead();
  const block::BlockPtr b = WriteBlockOf(*head, dir.path());
  const storage::SelectHints series_hint{.func = "series"};
  std::mt19937 rng(5);
  for (int round = 0; round < 100; ++round) {
    const int64_t mint = static_cast<int64_t>(rng() % kRange);
    const int64_t maxt = mint + static_cast<int64_t>(rng() % (20 * kMinute));
    auto hq = head->NewQuerier(mint, maxt);
    ASSERT_TRUE(hq.ok());
    auto bq = b->NewQuerier(mint, maxt);
    for (storage::Querier* q : {hq->get(), bq.get()}) {
      const Selected full = Select(*q, nullptr);
      const Selected labels_only = Select(*q, &series_hint);
      ASSERT_TRUE(full.err.ok() && labels_only.err.ok());
      EXPECT_EQ(labels_only.labels, full.labels) << "[" << mint << ", " << maxt << "]";
      EXPECT_EQ(labels_only.samples, 0u);
      EXPECT_LT(full.labels.size(), 200u) << "a window that misses some series";
    }
  }
}

TEST(LabelsOnlySelect, ABlockWithCorruptChunksStillListsItsSeries) {
  tsdbd::testing::TempDir dir;
  auto head = GappyHead();
  std::string ulid;
  {
    const block::BlockPtr b = WriteBlockOf(*head, dir.path());
    ulid = b->ulid();
  }
  const std::string segment = dir.path() + "/" + ulid + "/chunks/000001";
  const auto size = std::filesystem::file_size(segment);
  {
    std::fstream f(segment, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(8);  // past the segment header: every chunk's length and CRC become wrong
    const std::string zeros(size - 8, '\0');
    f.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
  }
  auto b = block::Block::Open(dir.path() + "/" + ulid);
  ASSERT_TRUE(b.ok()) << b.error().message();
  auto q = (*b)->NewQuerier(0, kRange);
  EXPECT_FALSE(Select(*q, nullptr).err.ok());
  const storage::SelectHints series_hint{.func = "series"};
  const Selected labels_only = Select(*q, &series_hint);
  EXPECT_TRUE(labels_only.err.ok()) << labels_only.err.message();
  EXPECT_EQ(labels_only.labels.size(), 200u);
}

}  // namespace
}  // namespace tsdbd::tsdb
