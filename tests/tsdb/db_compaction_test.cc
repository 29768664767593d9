// Block compaction driven by the database: level-1 blocks cut from the head merge into
// bigger levels up to the maximum block duration, overlapping blocks merge vertically, and
// blocks whose compaction failed are left alone.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bit>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "lib/tsdb/block/block_writer.h"
#include "lib/tsdb/block/ulid.h"
#include "lib/tsdb/chunkenc/xor_chunk.h"
#include "lib/tsdb/db/db.h"
#include "tests/testing/process.h"
#include "tests/tsdb/head_test_util.h"

namespace tsdbd::tsdb {
namespace {

namespace stdfs = std::filesystem;
using testing::BitSample;

constexpr int64_t kHour = 60 * 60 * 1000;
constexpr int64_t kStep = 60 * 1000;
constexpr int kSeries = 10;
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

DbOptions Options(const std::string& dir) {
  DbOptions o;
  o.dir = dir;
  o.min_block_duration_ms = kHour;
  o.max_block_duration_ms = 9 * kHour;  // ranges 1h, 3h, 9h
  o.retention_ms = 0;
  o.background = false;
  return o;
}

std::unique_ptr<DB> OpenDb(const DbOptions& o) {
  auto db = DB::Open(o);
  EXPECT_TRUE(db.ok()) << db.error().message();
  return db.ok() ? std::move(*db) : nullptr;
}

Labels SeriesLabels(const std::string& i) {
  return Labels{{"__name__", "m"}, {"i", i}};
}

double HeadValue(int64_t t, int i) {
  return static_cast<double>(t / 1000 + i);
}

// Series i="0".."kSeries-1", a sample every kStep in [from, to), one commit per step.
void Fill(DB& db, int64_t from, int64_t to) {
  for (int64_t t = from; t < to; t += kStep) {
    auto app = db.NewAppender();
    for (int i = 0; i < kSeries; ++i) {
      ASSERT_TRUE(app->Append(0, SeriesLabels(std::to_string(i)), t, HeadValue(t, i)).ok());
    }
    ASSERT_TRUE(app->Commit().ok());
  }
}

// Series label i -> samples.
using Model = std::map<std::string, std::map<int64_t, uint64_t>>;

Model Filled(int64_t from, int64_t to) {
  Model m;
  for (int i = 0; i < kSeries; ++i) {
    auto& s = m[std::to_string(i)];
    for (int64_t t = from; t < to; t += kStep) s[t] = std::bit_cast<uint64_t>(HeadValue(t, i));
  }
  return m;
}

Model Read(storage::Queryable& q, int64_t mint = kMin, int64_t maxt = kMax) {
  Model m;
  for (const auto& s : testing::SelectAll(q, mint, maxt, {testing::Eq("__name__", "m")})) {
    auto& out = m[std::string(s.labels.Get("i"))];
    for (const BitSample& x : s.samples) {
      EXPECT_TRUE(out.emplace(x.t, x.v).second) << "duplicate sample at " << x.t;
    }
  }
  return m;
}

Model ReadBlock(const block::Block& b) {
  Model m;
  auto q = b.NewQuerier(kMin, kMax);
  auto set = q->Select(true, nullptr, std::vector<Matcher>{testing::Eq("__name__", "m")});
  while (set->Next()) {
    auto& out = m[std::string(set->At()->labels().Get("i"))];
    auto it = set->At()->Iterator();
    for (const BitSample& x : testing::Drain(*it)) out.emplace(x.t, x.v);
  }
  EXPECT_TRUE(set->Err().ok());
  return m;
}

// Writes `model` as a level-1 block covering [mint, maxt) into `parent`, and returns its
// directory.
std::string WriteModelBlock(const std::string& parent, const Model& model, int64_t mint,
                            int64_t maxt) {
  std::vector<block::ChunkSeries> series;
  auto owned = std::make_shared<std::vector<std::vector<uint8_t>>>();
  owned->reserve(model.size());
  for (const auto& [i, samples] : model) {
    chunkenc::XorChunk c;
    for (const auto& [t, v] : samples) EXPECT_TRUE(c.AppendBits(t, v));
    owned->emplace_back(c.Bytes().begin(), c.Bytes().end());
    series.push_back({SeriesLabels(i),
                      {{samples.begin()->first, samples.rbegin()->first, owned->back()}},
                      owned});
  }
  std::sort(
      series.begin(), series.end(),
      [](const block::ChunkSeries& a, const block::ChunkSeries& b) { return a.labels < b.labels; });
  block::BlockMeta meta;
  meta.ulid = block::NewUlid(1700000000000);
  meta.min_time = mint;
  meta.max_time = maxt;
  meta.compaction.sources = {meta.ulid};
  auto written = block::WriteBlock(parent, series, meta);
  EXPECT_TRUE(written.ok()) << written.error().message();
  return parent + "/" + meta.ulid;
}

std::set<std::string> BlockDirNames(const std::string& dir) {
  std::set<std::string> out;
  for (const auto& e : stdfs::directory_iterator(dir)) {
    const std::string name = e.path().filename();
    if (block::IsUlid(name) || name.find(".tmp-for-") != std::string::npos) out.insert(name);
  }
  return out;
}

std::set<std::string> Ulids(const std::vector<block::BlockPtr>& blocks) {
  std::set<std::string> out;
  for (const block::BlockPtr& b : blocks) out.insert(b->ulid());
  return out;
}

void MarkFailed(const std::string& block_dir) {
  auto meta = block::ReadMeta(block_dir);
  ASSERT_TRUE(meta.ok());
  meta->compaction.failed = true;
  ASSERT_TRUE(block::WriteMeta(block_dir, *meta).ok());
}

// Runs db.Compact() in a forked child with a deadline, so that a Compact() that never
// returns fails the test instead of hanging it. The child's effects on disk remain; the
// parent's DB must not be used afterwards (reopen the directory instead).
enum class Outcome { kOk, kError, kHung };
Outcome CompactInChild(DB& db, std::chrono::seconds deadline) {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(db.Compact().ok() ? 0 : 1);
  int status = 0;
  const bool exited =
      tsdbd::testing::WaitUntil([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, deadline);
  if (!exited) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return Outcome::kHung;
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? Outcome::kOk : Outcome::kError;
}

TEST(DbCompaction, ThreeLevelOneBlocksBecomeOneLevelTwoBlockAndTheirDirsGo) {
  tsdbd::testing::TempDir dir;
  auto db = OpenDb(Options(dir.path()));
  Fill(*db, 0, 4 * kHour);
  ASSERT_TRUE(db->Compact().ok());
  // [0,1h) [1h,2h) [2h,3h): the newest waits, two do not span 3h, so nothing merges yet.
  const auto level1 = db->Blocks();
  ASSERT_EQ(level1.size(), 3u);
  for (const auto& b : level1) EXPECT_EQ(b->meta().compaction.level, 1);
  EXPECT_EQ(db->counters().compactions.load(), 3u);

  Fill(*db, 4 * kHour, 5 * kHour);
  ASSERT_TRUE(db->Compact().ok());
  // [3h,4h) is written; the three before it now span a whole 3h window behind the newest.
  const auto blocks = db->Blocks();
  ASSERT_EQ(blocks.size(), 2u);
  const block::BlockMeta merged = blocks[0]->meta();
  EXPECT_EQ(merged.min_time, 0);
  EXPECT_EQ(merged.max_time, 3 * kHour);
  EXPECT_EQ(merged.compaction.level, 2);
  const std::set<std::string> level1_ulids = Ulids(level1);
  const std::vector<std::string> sources(level1_ulids.begin(), level1_ulids.end());
  EXPECT_EQ(merged.compaction.sources, sources);
  ASSERT_EQ(merged.compaction.parents.size(), 3u);
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(merged.compaction.parents[k],
              (block::BlockDesc{level1[k]->ulid(), level1[k]->MinTime(), level1[k]->MaxTime()}));
  }
  EXPECT_EQ(merged.stats.num_series, static_cast<uint64_t>(kSeries));
  EXPECT_EQ(merged.stats.num_samples, static_cast<uint64_t>(kSeries * 3 * kHour / kStep));
  EXPECT_EQ(blocks[1]->MinTime(), 3 * kHour);
  EXPECT_EQ(blocks[1]->meta().compaction.level, 1);
  EXPECT_EQ(db->counters().compactions.load(), 5u);  // four head blocks, one merge
  EXPECT_EQ(db->counters().vertical_compactions.load(), 0u);

  // The parents are gone from disk; the merged block holds exactly their samples.
  EXPECT_EQ(BlockDirNames(dir.path()), Ulids(blocks));
  EXPECT_EQ(ReadBlock(*blocks[0]), Filled(0, 3 * kHour));
  EXPECT_EQ(Read(*db), Filled(0, 5 * kHour));

  // A restart sees the same.
  ASSERT_TRUE(db->Close().ok());
  db = OpenDb(Options(dir.path()));
  EXPECT_EQ(Ulids(db->Blocks()), Ulids(blocks));
  EXPECT_EQ(Read(*db), Filled(0, 5 * kHour));
}

TEST(DbCompaction, LevelsGrowUpToTheMaximumBlockDurationAndNoFurther) {
  tsdbd::testing::TempDir dir;
  auto db = OpenDb(Options(dir.path()));
  Fill(*db, 0, 29 * kHour);
  ASSERT_TRUE(db->Compact().ok());
  // 27 hours of level-1 blocks behind the newest one [27h,28h): three 9h blocks of level 3
  // (9h is the maximum, so they stay), then the newest.
  const auto blocks = db->Blocks();
  ASSERT_EQ(blocks.size(), 4u);
  for (int k = 0; k < 3; ++k) {
    const block::BlockMeta m = blocks[k]->meta();
    EXPECT_EQ(m.min_time, k * 9 * kHour);
    EXPECT_EQ(m.max_time, (k + 1) * 9 * kHour);
    EXPECT_EQ(m.compaction.level, 3);
    EXPECT_EQ(m.compaction.sources.size(), 9u);
    EXPECT_EQ(m.compaction.parents.size(), 3u);
    EXPECT_EQ(m.stats.num_samples, static_cast<uint64_t>(kSeries * 9 * kHour / kStep));
  }
  EXPECT_EQ(blocks[3]->MinTime(), 27 * kHour);
  EXPECT_EQ(blocks[3]->MaxTime(), 28 * kHour);
  EXPECT_EQ(BlockDirNames(dir.path()), Ulids(blocks));
  EXPECT_EQ(Read(*db), Filled(0, 29 * kHour));
  // Nothing more to do.
  const uint64_t before = db->counters().compactions.load();
  ASSERT_TRUE(db->Compact().ok());
  EXPECT_EQ(db->counters().compactions.load(), before);
}

// Samples 20s off the hour grid, as Prometheus 2.42 lays them out (seen on its own blocks):
// after each head block the head starts at its oldest sample kept, 20s past the boundary,
// and so does the next block. Then no window of level-1 blocks spans exactly 3h, so they
// merge only once a newer block starts after the window, later than aligned blocks would.
TEST(DbCompaction, HeadBlocksStartAtTheOldestSampleKeptAndMergeOnlyBehindTheNewest) {
  tsdbd::testing::TempDir dir;
  auto db = OpenDb(Options(dir.path()));
  constexpr int64_t kOff = 20 * 1000;
  Fill(*db, kOff, 5 * kHour + kOff);
  ASSERT_TRUE(db->Compact().ok());
  std::vector<std::pair<int64_t, int64_t>> ranges;
  for (const auto& b : db->Blocks()) ranges.emplace_back(b->MinTime(), b->MaxTime());
  const std::vector<std::pair<int64_t, int64_t>> level1 = {{kOff, kHour},
                                                           {kHour + kOff, 2 * kHour},
                                                           {2 * kHour + kOff, 3 * kHour},
                                                           {3 * kHour + kOff, 4 * kHour}};
  EXPECT_EQ(ranges, level1);
  EXPECT_EQ(db->head().MinTime(), 4 * kHour + kOff);
  EXPECT_EQ(db->head().MinValidTime(), 4 * kHour + kOff);

  // [4h20s,5h) is written; now the 3h window [0,3h) ends before the second newest block
  // starts (3h20s), so its three blocks merge.
  Fill(*db, 5 * kHour + kOff, 6 * kHour + kOff);
  ASSERT_TRUE(db->Compact().ok());
  ranges.clear();
  for (const auto& b : db->Blocks()) ranges.emplace_back(b->MinTime(), b->MaxTime());
  const std::vector<std::pair<int64_t, int64_t>> merged = {
      {kOff, 3 * kHour}, {3 * kHour + kOff, 4 * kHour}, {4 * kHour + kOff, 5 * kHour}};
  EXPECT_EQ(ranges, merged);
  EXPECT_EQ(Read(*db), Filled(kOff, 6 * kHour + kOff));
}

// Blocks [0,1h) [1h,2h) [2h,3h) from the head, plus a block copied in over [1h30m,2h30m)
// holding series 0 every 30s (the whole minutes collide with the head's samples, with other
// values) and a series the head never had.
class DbVerticalCompaction : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = OpenDb(Options(dir_.path()));
    Fill(*db_, 0, 4 * kHour);
    ASSERT_TRUE(db_->Compact().ok());
    ASSERT_EQ(db_->Blocks().size(), 3u);
    for (int64_t t = 90 * 60 * 1000; t < 150 * 60 * 1000; t += kStep / 2) {
      injected_["0"][t] = std::bit_cast<uint64_t>(-static_cast<double>(t));
      injected_["extra"][t] = std::bit_cast<uint64_t>(0.5);
    }
    const std::string written =
        WriteModelBlock(outside_.path(), injected_, 90 * 60 * 1000, 150 * 60 * 1000);
    injected_dir_ = dir_.path() + "/" + stdfs::path(written).filename().string();
    stdfs::copy(written, injected_dir_, stdfs::copy_options::recursive);
  }

  tsdbd::testing::TempDir dir_, outside_;
  std::unique_ptr<DB> db_;
  Model injected_;
  std::string injected_dir_;
};

TEST_F(DbVerticalCompaction, OverlappingBlocksMergeIntoTheUnionEarlierBlockWinningTies) {
  // The first pass only loads the new block; the second merges it with the two it overlaps.
  ASSERT_TRUE(db_->Compact().ok());
  EXPECT_EQ(db_->Blocks().size(), 4u);
  EXPECT_EQ(db_->counters().vertical_compactions.load(), 0u);
  ASSERT_TRUE(db_->Compact().ok());
  EXPECT_EQ(db_->counters().vertical_compactions.load(), 1u);

  const auto blocks = db_->Blocks();
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[0]->MaxTime(), kHour);
  const block::BlockMeta merged = blocks[1]->meta();
  EXPECT_EQ(merged.min_time, kHour);
  EXPECT_EQ(merged.max_time, 3 * kHour);
  EXPECT_EQ(merged.compaction.level, 2);
  EXPECT_EQ(merged.compaction.parents.size(), 3u);
  EXPECT_EQ(merged.compaction.sources.size(), 3u);
  EXPECT_EQ(BlockDirNames(dir_.path()), Ulids(blocks));
  EXPECT_FALSE(stdfs::exists(injected_dir_));

  // The union; on equal timestamps the block that starts earlier wins: [1h,2h) over the
  // copied block, the copied block over [2h,3h).
  Model want = Filled(0, 4 * kHour);
  for (const auto& [i, samples] : injected_) {
    for (const auto& [t, v] : samples) {
      if (t >= 2 * kHour || !want[i].contains(t)) want[i][t] = v;
    }
  }
  EXPECT_EQ(Read(*db_), want);
  EXPECT_EQ(ReadBlock(*blocks[1]), Read(*db_, kHour, 3 * kHour - 1));
  EXPECT_EQ(merged.stats.num_samples, [&] {
    uint64_t n = 0;
    for (const auto& [i, s] : ReadBlock(*blocks[1])) n += s.size();
    return n;
  }());

  ASSERT_TRUE(db_->Close().ok());
  db_ = OpenDb(Options(dir_.path()));
  EXPECT_EQ(Read(*db_), want);
  EXPECT_EQ(Ulids(db_->Blocks()), Ulids(blocks));
}

TEST_F(DbVerticalCompaction, AnOverlappingBlockMarkedFailedIsLeftAlone) {
  MarkFailed(injected_dir_);
  ASSERT_TRUE(db_->Compact().ok());
  ASSERT_TRUE(db_->Compact().ok());
  EXPECT_EQ(db_->counters().vertical_compactions.load(), 0u);
  EXPECT_EQ(db_->Blocks().size(), 4u);
  EXPECT_TRUE(stdfs::exists(injected_dir_));
  auto meta = block::ReadMeta(injected_dir_);
  ASSERT_TRUE(meta.ok());
  EXPECT_TRUE(meta->compaction.failed);
  // Queries still see all of it.
  const Model got = Read(*db_);
  EXPECT_EQ(got.at("extra").size(), injected_.at("extra").size());
  EXPECT_EQ(got.at("1"), Filled(0, 4 * kHour).at("1"));
}

TEST(DbCompaction, AWindowHoldingAFailedBlockIsPassedOver) {
  tsdbd::testing::TempDir dir;
  auto db = OpenDb(Options(dir.path()));
  Fill(*db, 0, 4 * kHour);
  ASSERT_TRUE(db->Compact().ok());
  const auto level1 = db->Blocks();
  ASSERT_EQ(level1.size(), 3u);
  ASSERT_TRUE(db->Close().ok());
  MarkFailed(level1[1]->dir());

  db = OpenDb(Options(dir.path()));
  Fill(*db, 4 * kHour, 5 * kHour);
  ASSERT_TRUE(db->Compact().ok());
  // [3h,4h) is cut, but the window [0,3h) holds the failed block: no merge.
  const auto blocks = db->Blocks();
  ASSERT_EQ(blocks.size(), 4u);
  for (size_t k = 0; k < 3; ++k) EXPECT_EQ(blocks[k]->ulid(), level1[k]->ulid());
  EXPECT_TRUE(blocks[1]->meta().compaction.failed);
  EXPECT_EQ(db->counters().compactions.load(), 1u);
  EXPECT_EQ(BlockDirNames(dir.path()), Ulids(blocks));
  EXPECT_EQ(Read(*db), Filled(0, 5 * kHour));
}

// Prometheus marks the inputs of a compaction that failed (here: a corrupt chunk) with
// compaction.failed, so that the next pass does not retry them forever and the rest of the
// maintenance (retention) goes on.
TEST(DbCompaction, ACompactionThatFailsLeavesItsInputsMarkedFailedAndNothingBehind) {
  tsdbd::testing::TempDir dir;
  auto db = OpenDb(Options(dir.path()));
  Fill(*db, 0, 4 * kHour);
  ASSERT_TRUE(db->Compact().ok());
  const auto level1 = db->Blocks();
  ASSERT_EQ(level1.size(), 3u);
  ASSERT_TRUE(db->Close().ok());
  {
    // Garble the chunk data of the middle block (past the segment header).
    std::fstream f(level1[1]->dir() + "/chunks/000001",
                   std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f.good());
    f.seekg(0, std::ios::end);
    const std::streamoff size = f.tellg();
    for (std::streamoff off = 16; off < size; off += 37) {
      f.seekp(off);
      f.put(static_cast<char>(0xa5));
    }
  }
  db = OpenDb(Options(dir.path()));
  Fill(*db, 4 * kHour, 5 * kHour);
  EXPECT_FALSE(db->Compact().ok());
  EXPECT_EQ(db->counters().compactions_failed.load(), 1u);
  // The head block was written before; the inputs are all still there, nothing half-written.
  const std::set<std::string> names = BlockDirNames(dir.path());
  EXPECT_EQ(names.size(), 4u);
  for (const auto& b : level1) EXPECT_TRUE(names.contains(b->ulid()));
  for (const auto& b : level1) {
    auto meta = block::ReadMeta(b->dir());
    ASSERT_TRUE(meta.ok());
    EXPECT_TRUE(meta->compaction.failed) << b->ulid();
  }
  // The next pass does not retry them.
  EXPECT_TRUE(db->Compact().ok());
  EXPECT_EQ(db->counters().compactions_failed.load(), 1u);
}

// A block whose every sample was deleted is picked by the tombstone rule; compacting it
// leaves nothing, so it is marked deletable and must go. The pass must end.
TEST(DbCompaction, ABlockWithEverythingDeletedIsDroppedAndThePassEnds) {
  tsdbd::testing::TempDir dir;
  auto db = OpenDb(Options(dir.path()));
  Fill(*db, 0, 3 * kHour);
  ASSERT_TRUE(db->Compact().ok());
  const auto blocks = db->Blocks();
  ASSERT_EQ(blocks.size(), 2u);  // [0,1h) [1h,2h)
  ASSERT_TRUE(db->Delete(0, kHour - 1, std::vector<Matcher>{testing::Eq("__name__", "m")}).ok());
  ASSERT_GE(blocks[0]->meta().stats.num_tombstones, static_cast<uint64_t>(kSeries));

  ASSERT_EQ(CompactInChild(*db, std::chrono::seconds(20)), Outcome::kOk)
      << "Compact() failed or never returned";
  db.reset();
  db = OpenDb(Options(dir.path()));
  EXPECT_EQ(Ulids(db->Blocks()), std::set<std::string>{blocks[1]->ulid()});
  EXPECT_EQ(BlockDirNames(dir.path()), std::set<std::string>{blocks[1]->ulid()});
  EXPECT_EQ(Read(*db), Filled(kHour, 3 * kHour));
}

}  // namespace
}  // namespace tsdbd::tsdb
