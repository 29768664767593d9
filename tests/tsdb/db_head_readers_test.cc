// Head compaction beside open queriers: a querier that took the block list before the new
// block was published still finds every sample of the range in the head, because the head's
// truncation waits for it; queriers that see the block do not hold the truncation back.
#include <gtest/gtest.h>

#include <bit>
#include <chrono>
#include <thread>

#include "lib/tsdb/db/db.h"
#include "lib/tsdb/head/head_readers.h"
#include "tests/testing/process.h"
#include "tests/tsdb/head_test_util.h"

namespace tsdbd::tsdb {
namespace {

using testing::BitSample;

constexpr int64_t kRange = 60 * 60 * 1000;  // 1h blocks
constexpr int64_t kStep = 15 * 1000;
constexpr int kSeries = 200;

Labels SeriesLabels(int i) {
  return Labels{{"__name__", "m"}, {"i", std::to_string(i)}};
}

double Value(int i, int64_t t) {
  return static_cast<double>(t / 1000 + i);
}

// Series 0..kSeries-1 at [0, to) every kStep.
void Fill(DB& db, int64_t to) {
  for (int64_t t = 0; t < to; t += kStep) {
    auto app = db.NewAppender();
    for (int i = 0; i < kSeries; ++i) {
      ASSERT_EQ(app->Append(0, SeriesLabels(i), t, Value(i, t)).status,
                storage::AppendStatus::kOk);
    }
    ASSERT_TRUE(app->Commit().ok());
  }
}

// Reads every series of `set`, expecting each to hold all its samples in [0, to).
void ExpectComplete(storage::SeriesSet& set, int64_t to) {
  int n = 0;
  while (set.Next()) {
    const int i = std::stoi(std::string(set.At()->labels().Get("i")));
    std::vector<BitSample> want;
    for (int64_t t = 0; t < to; t += kStep) {
      want.push_back({t, std::bit_cast<uint64_t>(Value(i, t))});
    }
    auto it = set.At()->Iterator();
    EXPECT_EQ(testing::Drain(*it), want) << "series " << i;
    ++n;
  }
  EXPECT_EQ(n, kSeries);
}

std::unique_ptr<storage::SeriesSet> SelectAll(storage::Querier& q) {
  return q.Select(true, nullptr, std::vector<Matcher>{testing::Eq("__name__", "m")});
}

TEST(DbHeadReaders, AQuerierOlderThanTheNewBlockReadsTheRangeFromTheHeadBeforeItIsTruncated) {
  tsdbd::testing::TempDir dir;
  DbOptions o;
  o.dir = dir.path();
  o.min_block_duration_ms = kRange;
  o.max_block_duration_ms = kRange;
  o.retention_ms = 0;
  o.background = false;
  auto db = DB::Open(o);
  ASSERT_TRUE(db.ok()) << db.error().message();
  Fill(**db, 2 * kRange);  // the head spans 2h: its first hour becomes a block

  auto before = (*db)->NewQuerier(0, 2 * kRange);
  ASSERT_TRUE(before.ok());
  auto before_set = SelectAll(**before);
  std::thread compaction([&] { EXPECT_TRUE((*db)->Compact().ok()); });
  ASSERT_TRUE(tsdbd::testing::WaitUntil([&] { return !(*db)->Blocks().empty(); }));

  // Published: a querier opened now reads the block, and the head is not truncated while
  // the older querier is open.
  auto after = (*db)->NewQuerier(0, 2 * kRange);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ((*db)->head().MinTime(), 0);
  ExpectComplete(*before_set, 2 * kRange);
  EXPECT_EQ((*db)->head().MinTime(), 0);
  before_set.reset();
  before->reset();

  // The newer querier does not hold the truncation back.
  compaction.join();
  EXPECT_EQ((*db)->head().MinTime(), kRange);
  ExpectComplete(*SelectAll(**after), 2 * kRange);
}

TEST(HeadReaders, WaitsOnlyForOlderReadersOfTheRangeDropped) {
  HeadReaders readers;
  auto reads_from_100 = readers.Register(100);
  const uint64_t published = readers.NextId();
  auto registered_after = readers.Register(0);
  // One reads nothing before 100, the other came after `published`: no wait.
  readers.WaitForOlderReaders(published, 100);

  // Now `registered_after` is older than the id waited for: the wait ends when it goes.
  const uint64_t later = readers.NextId();
  std::thread release([&] { registered_after.reset(); });
  readers.WaitForOlderReaders(later, 100);
  release.join();
}

}  // namespace
}  // namespace tsdbd::tsdb
