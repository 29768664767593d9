// Block::Delete on a block promtool (Prometheus 2.42) wrote: the tombstones file and
// meta.json are rewritten, queries skip the deleted samples, the deletion survives reopening,
// and promtool reads our tombstones the same way. Skipped when promtool is absent.
#include <gtest/gtest.h>

#include <bit>
#include <filesystem>
#include <limits>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "lib/tsdb/block/block.h"
#include "tests/testing/process.h"
#include "tests/testing/promtool_dump.h"
#include "tests/tsdb/block_files_test_util.h"
#include "tests/tsdb/head_test_util.h"

namespace tsdbd::tsdb::block {
namespace {

namespace stdfs = std::filesystem;
using tsdb::testing::Eq;
using tsdb::testing::SeriesData;

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kT0 = 1699999200000;  // PromtoolBlock's first sample, ms
constexpr int kSamples = 300;           // 10 s apart: [kT0, kT0 + 2990 s]

class DeleteBlockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!tsdbd::testing::HaveProgram("promtool")) GTEST_SKIP() << "promtool not installed";
    dir_ = testutil::PromtoolBlock(tmp_.path(), 3, kSamples);
    ASSERT_FALSE(dir_.empty());
    auto b = Block::Open(dir_);
    ASSERT_TRUE(b.ok()) << b.error().message();
    block_ = *b;
  }

  // Times of series m{s="<s>"} as the block's querier returns them.
  std::vector<int64_t> Times(const Block& b, const std::string& s) {
    auto q = b.NewQuerier(kMin, kMax);
    std::vector<Matcher> ms{Eq("s", s)};
    auto set = q->Select(true, nullptr, ms);
    std::vector<int64_t> out;
    while (set->Next()) {
      auto it = set->At()->Iterator();
      for (const auto& bs : tsdb::testing::Drain(*it)) out.push_back(bs.t);
    }
    return out;
  }

  static std::vector<int64_t> Expected(int64_t del_from, int64_t del_to) {
    std::vector<int64_t> out;
    for (int i = 0; i < kSamples; ++i) {
      const int64_t t = kT0 + i * 10000;
      if (t < del_from || t > del_to) out.push_back(t);
    }
    return out;
  }

  // promtool tsdb dump: series text -> sample times.
  std::map<std::string, std::vector<int64_t>> PromtoolDump() {
    // promtool opens the block's parent as a data directory, which needs a WAL directory.
    const std::string db_dir = stdfs::path(dir_).parent_path();
    stdfs::create_directories(db_dir + "/wal");
    auto r = tsdbd::testing::Run({"promtool", "tsdb", "dump", db_dir});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return tsdbd::testing::PromtoolDumpTimes(r.output);
  }

  tsdbd::testing::TempDir tmp_;
  std::string dir_;
  BlockPtr block_;
};

TEST_F(DeleteBlockTest, DeletesTheRangeOfMatchingSeries) {
  const int64_t from = kT0 + 500000, to = kT0 + 1000000;
  ASSERT_TRUE(block_->Delete(from, to, std::vector<Matcher>{Eq("s", "1")}).ok());
  EXPECT_EQ(Times(*block_, "0"), Expected(1, 0));
  EXPECT_EQ(Times(*block_, "1"), Expected(from, to));
  EXPECT_EQ(Times(*block_, "2"), Expected(1, 0));
  EXPECT_EQ(block_->meta().stats.num_tombstones, 1u);

  // Durable: the files say the same after reopening.
  auto meta = ReadMeta(dir_);
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->stats.num_tombstones, 1u);
  auto stones = ReadTombstones(dir_);
  ASSERT_TRUE(stones.ok()) << stones.error().message();
  EXPECT_EQ(stones->NumTombstones(), 1u);
  stones->ForEach([&](uint64_t, std::span<const Interval> ivs) {
    ASSERT_EQ(ivs.size(), 1u);
    EXPECT_EQ(ivs[0], (Interval{from, to}));
  });
  auto reopened = Block::Open(dir_);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(Times(**reopened, "1"), Expected(from, to));

  // Prometheus reads our tombstones file the same way.
  auto dump = PromtoolDump();
  EXPECT_EQ(dump["{__name__=\"m\", s=\"0\"}"], Expected(1, 0));
  EXPECT_EQ(dump["{__name__=\"m\", s=\"1\"}"], Expected(from, to));
}

TEST_F(DeleteBlockTest, IntervalsAreClampedToTheSeriesChunks) {
  ASSERT_TRUE(block_->Delete(kMin, kT0 + 100000, std::vector<Matcher>{Eq("s", "2")}).ok());
  auto stones = ReadTombstones(dir_);
  ASSERT_TRUE(stones.ok());
  std::vector<Interval> all;
  stones->ForEach([&](uint64_t, std::span<const Interval> ivs) {
    all.insert(all.end(), ivs.begin(), ivs.end());
  });
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0], (Interval{kT0, kT0 + 100000}));
  EXPECT_EQ(Times(*block_, "2"), Expected(kMin, kT0 + 100000));
}

TEST_F(DeleteBlockTest, AdjacentDeletionsMergeAndMatchersSelect) {
  std::vector<Matcher> ms{tsdb::testing::M("s", Matcher::Type::kRegexMatch, "0|2")};
  ASSERT_TRUE(block_->Delete(kT0 + 100000, kT0 + 200000, ms).ok());
  ASSERT_TRUE(block_->Delete(kT0 + 200001, kT0 + 300000, ms).ok());
  EXPECT_EQ(block_->meta().stats.num_tombstones, 2u);  // one merged interval per series
  EXPECT_EQ(Times(*block_, "0"), Expected(kT0 + 100000, kT0 + 300000));
  EXPECT_EQ(Times(*block_, "1"), Expected(1, 0));
  EXPECT_EQ(Times(*block_, "2"), Expected(kT0 + 100000, kT0 + 300000));
  auto dump = PromtoolDump();
  EXPECT_EQ(dump["{__name__=\"m\", s=\"2\"}"], Expected(kT0 + 100000, kT0 + 300000));
}

TEST_F(DeleteBlockTest, ConcurrentDeletionsAllLand) {
  std::vector<std::thread> threads;
  for (int s = 0; s < 3; ++s) {
    threads.emplace_back([this, s] {
      for (int k = 0; k < 10; ++k) {
        const int64_t from = kT0 + (k * 3 + s) * 50000;
        ASSERT_TRUE(
            block_->Delete(from, from + 10000, std::vector<Matcher>{Eq("s", std::to_string(s))})
                .ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(block_->meta().stats.num_tombstones, 30u);
  auto stones = ReadTombstones(dir_);
  ASSERT_TRUE(stones.ok());
  EXPECT_EQ(stones->NumTombstones(), 30u);
  auto meta = ReadMeta(dir_);
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->stats.num_tombstones, 30u);
  EXPECT_EQ(Times(*block_, "0").size(), static_cast<size_t>(kSamples - 20));
}

TEST_F(DeleteBlockTest, NothingToDeleteLeavesTheFilesAlone) {
  const std::string meta_before = tsdbd::testing::ReadFile(dir_ + "/meta.json");
  const std::string stones_before = tsdbd::testing::ReadFile(dir_ + "/tombstones");
  // Outside the block's data, no such series, an empty range.
  ASSERT_TRUE(block_->Delete(0, kT0 - 1, std::vector<Matcher>{Eq("s", "1")}).ok());
  ASSERT_TRUE(block_->Delete(kMin, kMax, std::vector<Matcher>{Eq("s", "9")}).ok());
  ASSERT_TRUE(block_->Delete(kT0 + 10, kT0, std::vector<Matcher>{Eq("s", "1")}).ok());
  EXPECT_EQ(tsdbd::testing::ReadFile(dir_ + "/meta.json"), meta_before);
  EXPECT_EQ(tsdbd::testing::ReadFile(dir_ + "/tombstones"), stones_before);
  EXPECT_EQ(block_->meta().stats.num_tombstones, 0u);
}

TEST_F(DeleteBlockTest, AFailedWriteChangesNothing) {
  // A non-empty directory where the tombstones file goes: the rename over it fails.
  stdfs::remove(dir_ + "/tombstones");
  stdfs::create_directories(dir_ + "/tombstones/blocker");
  Status s = block_->Delete(kMin, kMax, std::vector<Matcher>{Eq("s", "1")});
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(Times(*block_, "1"), Expected(1, 0));
  EXPECT_EQ(block_->meta().stats.num_tombstones, 0u);
  auto meta = ReadMeta(dir_);
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->stats.num_tombstones, 0u);
}

}  // namespace
}  // namespace tsdbd::tsdb::block
