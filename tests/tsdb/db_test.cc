// The database: head compaction into blocks, reading across blocks and head, restarts,
// retention, and the leftovers of interrupted writes.
#include "lib/tsdb/db/db.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "lib/model/value.h"
#include "lib/tsdb/block/ulid.h"
#include "tests/testing/process.h"
#include "tests/tsdb/head_test_util.h"

namespace tsdbd::tsdb {
namespace {

namespace stdfs = std::filesystem;
using testing::BitSample;
using testing::SelectAll;

constexpr int64_t kRange = 60 * 60 * 1000;  // 1h blocks
constexpr int64_t kStep = 30 * 1000;

DbOptions Options(const std::string& dir) {
  DbOptions o;
  o.dir = dir;
  o.min_block_duration_ms = kRange;
  o.max_block_duration_ms = kRange;  // no block compaction unless a test asks
  o.retention_ms = 0;
  o.background = false;
  return o;
}

std::unique_ptr<DB> OpenDb(const DbOptions& o) {
  auto db = DB::Open(o);
  EXPECT_TRUE(db.ok()) << db.error().message();
  return db.ok() ? std::move(*db) : nullptr;
}

Labels SeriesLabels(int i) {
  return Labels{{"__name__", "m"}, {"i", std::to_string(i)}};
}

// Appends series 0..n-1 at [from, to) every kStep, value = t/1000 + i, one commit per step.
void Fill(DB& db, int n, int64_t from, int64_t to) {
  for (int64_t t = from; t < to; t += kStep) {
    auto app = db.NewAppender();
    for (int i = 0; i < n; ++i) {
      ASSERT_EQ(app->Append(0, SeriesLabels(i), t, static_cast<double>(t / 1000 + i)).status,
                storage::AppendStatus::kOk);
    }
    ASSERT_TRUE(app->Commit().ok());
  }
}

std::vector<BitSample> Expected(int i, int64_t from, int64_t to) {
  std::vector<BitSample> out;
  for (int64_t t = from; t < to; t += kStep) {
    out.push_back({t, std::bit_cast<uint64_t>(static_cast<double>(t / 1000 + i))});
  }
  return out;
}

void ExpectHolds(DB& db, int n, int64_t from, int64_t to) {
  auto got = SelectAll(db, 0, to, {testing::Eq("__name__", "m")});
  ASSERT_EQ(got.size(), static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    const int idx = std::stoi(std::string(got[i].labels.Get("i")));
    EXPECT_EQ(got[i].samples, Expected(idx, from, to)) << "series " << idx;
  }
}

std::vector<std::string> BlockDirNames(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : stdfs::directory_iterator(dir)) {
    if (block::IsUlid(e.path().filename().string())) out.push_back(e.path().filename().string());
  }
  return out;
}

TEST(Db, HeadCompactsIntoBlocksAndQueriesSeeBlocksAndHeadAsOne) {
  tsdbd::testing::TempDir dir;
  auto db = OpenDb(Options(dir.path()));
  Fill(*db, 20, 0, 4 * kRange);
  ASSERT_TRUE(db->Compact().ok());
  // The head spanned 4h: 1h blocks are cut from its start until it spans at most 1.5h.
  const auto blocks = db->Blocks();
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_EQ(blocks[0]->MinTime(), 0);
  EXPECT_EQ(blocks[0]->MaxTime(), kRange);
  EXPECT_EQ(blocks[1]->MaxTime(), 2 * kRange);
  EXPECT_EQ(blocks[0]->meta().stats.num_series, 20u);
  EXPECT_EQ(blocks[0]->meta().stats.num_samples, 20u * (kRange / kStep));
  EXPECT_EQ(db->head().MinTime(), 3 * kRange);
  EXPECT_EQ(db->counters().compactions.load(), 3u);
  EXPECT_EQ(db->counters().head_truncations.load(), 3u);
  ExpectHolds(*db, 20, 0, 4 * kRange);
  EXPECT_EQ(BlockDirNames(dir.path()).size(), 3u);
}

TEST(Db, RestartLoadsBlocksAndReplaysOnlyWhatTheyDoNotHold) {
  tsdbd::testing::TempDir dir;
  {
    auto db = OpenDb(Options(dir.path()));
    Fill(*db, 10, 0, 4 * kRange);
    ASSERT_TRUE(db->Compact().ok());
    Fill(*db, 10, 4 * kRange, 5 * kRange);
    ASSERT_TRUE(db->Close().ok());
  }
  auto db = OpenDb(Options(dir.path()));
  EXPECT_EQ(db->Blocks().size(), 3u);
  EXPECT_GE(db->head().MinTime(), 3 * kRange);
  ExpectHolds(*db, 10, 0, 5 * kRange);
  // Appending below the newest block's end is refused.
  auto app = db->NewAppender();
  EXPECT_NE(app->Append(0, SeriesLabels(0), kRange, 1).status, storage::AppendStatus::kOk);
}

TEST(Db, TimeRetentionDropsWholeBlocksOldestFirstRelativeToTheNewest) {
  tsdbd::testing::TempDir dir;
  DbOptions o = Options(dir.path());
  o.retention_ms = 2 * kRange;
  auto db = OpenDb(o);
  Fill(*db, 5, 0, 6 * kRange);
  ASSERT_TRUE(db->Compact().ok());
  // Blocks end at 1h..5h; those ending more than 2h before the newest go.
  const auto blocks = db->Blocks();
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_EQ(blocks.front()->MinTime(), 2 * kRange);
  EXPECT_GE(db->counters().time_retentions.load(), 1u);
  EXPECT_EQ(BlockDirNames(dir.path()).size(), 3u);
  auto got = SelectAll(*db, 0, 6 * kRange, {testing::Eq("i", "0")});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].samples.front().t, 2 * kRange);
}

TEST(Db, SizeRetentionKeepsTheNewestBlocksThatFit) {
  tsdbd::testing::TempDir dir;
  DbOptions o = Options(dir.path());
  auto db = OpenDb(o);
  Fill(*db, 50, 0, 6 * kRange);
  ASSERT_TRUE(db->Compact().ok());
  ASSERT_EQ(db->Blocks().size(), 5u);
  const uint64_t all = db->StorageBytes();
  const uint64_t block = db->Blocks().back()->Size();
  ASSERT_TRUE(db->Close().ok());
  db.reset();
  // A limit that holds everything but the two oldest blocks.
  o.retention_bytes = static_cast<int64_t>(all - block - block / 2);
  db = OpenDb(o);
  EXPECT_EQ(db->Blocks().size(), 3u);
  EXPECT_EQ(db->counters().size_retentions.load(), 1u);
  EXPECT_LE(db->StorageBytes(), static_cast<uint64_t>(o.retention_bytes));
}

TEST(Db, OpenRemovesLeftoversOfInterruptedWritesAndDeletions) {
  tsdbd::testing::TempDir dir;
  const std::string creating = dir.path() + "/" + block::NewUlid(1) + ".tmp-for-creation";
  const std::string deleting = dir.path() + "/" + block::NewUlid(2) + ".tmp-for-deletion";
  stdfs::create_directories(creating + "/chunks");
  stdfs::create_directories(deleting);
  std::ofstream(creating + "/index") << "partial";
  auto db = OpenDb(Options(dir.path()));
  EXPECT_FALSE(stdfs::exists(creating));
  EXPECT_FALSE(stdfs::exists(deleting));
}

TEST(Db, AQuerierKeepsReadingABlockThatRetentionDeleted) {
  tsdbd::testing::TempDir dir;
  DbOptions o = Options(dir.path());
  o.retention_ms = 2 * kRange;
  auto db = OpenDb(o);
  Fill(*db, 5, 0, 4 * kRange);
  ASSERT_TRUE(db->Compact().ok());
  const std::string oldest = db->Blocks().front()->dir();
  auto q = db->NewQuerier(0, kRange - 1);
  ASSERT_TRUE(q.ok());
  auto set = (*q)->Select(true, nullptr, std::vector<Matcher>{testing::Eq("__name__", "m")});
  ASSERT_TRUE(set->Next());
  // Newer blocks push the first one past retention: it goes from disk.
  Fill(*db, 5, 4 * kRange, 8 * kRange);
  ASSERT_TRUE(db->Compact().ok());
  EXPECT_FALSE(stdfs::exists(oldest));
  EXPECT_GT(db->Blocks().front()->MinTime(), 0);
  size_t n = 0;
  do {
    auto it = set->At()->Iterator();
    size_t samples = 0;
    while (it->Next()) ++samples;
    EXPECT_EQ(samples, static_cast<size_t>(kRange / kStep));
    ++n;
  } while (set->Next());
  EXPECT_EQ(n, 5u);
}

}  // namespace
}  // namespace tsdbd::tsdb
