// The database's admin operations end to end on disk: Delete across blocks and the head,
// surviving a restart; CleanTombstones rewriting blocks (promtool dump agrees); Snapshot
// making a copy that tsdbd and Prometheus 2.42 both open with the same answers.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <bit>
#include <filesystem>
#include <limits>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "lib/tsdb/block/meta.h"
#include "lib/tsdb/db/db.h"
#include "tests/testing/process.h"
#include "tests/testing/prometheus_process.h"
#include "tests/testing/promtool_dump.h"
#include "tests/tsdb/head_test_util.h"

namespace tsdbd::tsdb {
namespace {

namespace stdfs = std::filesystem;
using testing::Eq;
using testing::SeriesData;

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kHour = 3600 * 1000;
constexpr int64_t kT0 = 1699999200000;  // a multiple of 2h
constexpr int64_t kStep = 15000;
constexpr int64_t kEnd = kT0 + 5 * kHour / 2;  // 2.5h of samples: one block and the head

DbOptions Options(const std::string& dir) {
  DbOptions o;
  o.dir = dir;
  o.min_block_duration_ms = kHour;
  o.retention_ms = 0;
  o.background = false;
  return o;
}

std::unique_ptr<DB> OpenDb(const std::string& dir) {
  auto db = DB::Open(Options(dir));
  EXPECT_TRUE(db.ok()) << (db.ok() ? "" : db.error().message());
  return db.ok() ? std::move(*db) : nullptr;
}

Labels S(const std::string& name, const std::string& i) {
  return Labels{{"__name__", name}, {"i", i}};
}
const std::vector<Labels>& AllSeries() {
  static const std::vector<Labels> all = {S("a", "0"), S("a", "1"), S("b", "0")};
  return all;
}

// Samples every 15 s in [kT0, kEnd), value t/1000 + series index, in batches of 10 minutes;
// then one maintenance pass writes [kT0, kT0+1h) as a block.
void Fill(DB& db) {
  for (int64_t from = kT0; from < kEnd; from += 10 * 60 * 1000) {
    auto app = db.NewAppender();
    for (int64_t t = from; t < std::min(from + 10 * 60 * 1000, kEnd); t += kStep) {
      for (size_t i = 0; i < AllSeries().size(); ++i) {
        ASSERT_TRUE(app->Append(0, AllSeries()[i], t, static_cast<double>(t / 1000 + i)).ok());
      }
    }
    ASSERT_TRUE(app->Commit().ok());
  }
  ASSERT_TRUE(db.Compact().ok());
  ASSERT_EQ(db.Blocks().size(), 1u);
}

std::vector<SeriesData> All(storage::Queryable& q) {
  return testing::SelectAll(q, kMin, kMax,
                            {testing::M("__name__", Matcher::Type::kRegexMatch, ".+")});
}

std::vector<int64_t> Times(const SeriesData& s) {
  std::vector<int64_t> out;
  for (const auto& b : s.samples) out.push_back(b.t);
  return out;
}

// Sample times of the full range without [from, to].
std::vector<int64_t> Expected(int64_t from, int64_t to) {
  std::vector<int64_t> out;
  for (int64_t t = kT0; t < kEnd; t += kStep) {
    if (t < from || t > to) out.push_back(t);
  }
  return out;
}

void ExpectSame(const std::vector<SeriesData>& a, const std::vector<SeriesData>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].labels, b[i].labels);
    EXPECT_EQ(a[i].samples, b[i].samples) << a[i].labels.ToString();
  }
}

// promtool tsdb dump of a data directory: series text -> sample times.
std::map<std::string, std::vector<int64_t>> PromtoolDump(const std::string& dir) {
  auto r = tsdbd::testing::Run({"promtool", "tsdb", "dump", dir});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return tsdbd::testing::PromtoolDumpTimes(r.output);
}

// The deletion used below: a{i="0"} from the middle of the block into the head.
constexpr int64_t kDelFrom = kT0 + kHour / 2, kDelTo = kT0 + 3 * kHour / 2;
void DeleteA0(DB& db) {
  std::vector<Matcher> ms{Eq("__name__", "a"), Eq("i", "0")};
  ASSERT_TRUE(db.Delete(kDelFrom, kDelTo, ms).ok());
}

TEST(DeleteDbTest, DeletesAcrossBlockAndHeadAndSurvivesRestart) {
  tsdbd::testing::TempDir dir;
  {
    auto db = OpenDb(dir.path());
    Fill(*db);
    DeleteA0(*db);
    auto all = All(*db);
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(Times(all[0]), Expected(kDelFrom, kDelTo));
    EXPECT_EQ(Times(all[1]), Expected(1, 0));
    EXPECT_EQ(Times(all[2]), Expected(1, 0));
    EXPECT_EQ(db->Blocks()[0]->meta().stats.num_tombstones, 1u);
    ASSERT_TRUE(db->Close().ok());
  }
  auto db = OpenDb(dir.path());
  ASSERT_NE(db, nullptr);
  auto all = All(*db);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(Times(all[0]), Expected(kDelFrom, kDelTo));
  EXPECT_EQ(Times(all[1]), Expected(1, 0));
  ASSERT_TRUE(db->Close().ok());

  // Prometheus reads the block's tombstones and the WAL's tombstones record alike.
  if (tsdbd::testing::HaveProgram("promtool")) {
    auto dump = PromtoolDump(dir.path());
    EXPECT_EQ(dump["{__name__=\"a\", i=\"0\"}"], Expected(kDelFrom, kDelTo));
    EXPECT_EQ(dump["{__name__=\"a\", i=\"1\"}"], Expected(1, 0));
  }
}

TEST(DeleteDbTest, CleanTombstonesRewritesTheBlockWithoutDeletedSamples) {
  tsdbd::testing::TempDir dir;
  auto db = OpenDb(dir.path());
  Fill(*db);
  DeleteA0(*db);
  const auto before = All(*db);
  const block::BlockPtr old_block = db->Blocks()[0];
  ASSERT_TRUE(db->CleanTombstones().ok());
  ASSERT_EQ(db->Blocks().size(), 1u);
  const block::BlockPtr fresh = db->Blocks()[0];
  EXPECT_NE(fresh->ulid(), old_block->ulid());
  EXPECT_EQ(fresh->MinTime(), old_block->MinTime());
  EXPECT_EQ(fresh->MaxTime(), old_block->MaxTime());
  EXPECT_TRUE(fresh->tombstones()->Empty());
  EXPECT_EQ(fresh->meta().stats.num_tombstones, 0u);
  // As Prometheus 2.42 writes it: level 1, its own source, the old block as parent.
  EXPECT_EQ(fresh->meta().compaction.level, 1);
  EXPECT_EQ(fresh->meta().compaction.sources, std::vector<std::string>{fresh->ulid()});
  EXPECT_EQ(fresh->meta().compaction.parents,
            (std::vector<block::BlockDesc>{
                {old_block->ulid(), old_block->MinTime(), old_block->MaxTime()}}));
  // The samples are gone from the block itself, not just hidden.
  EXPECT_EQ(fresh->meta().stats.num_samples,
            old_block->meta().stats.num_samples - static_cast<uint64_t>((kHour / 2) / kStep));
  EXPECT_FALSE(stdfs::exists(old_block->dir()));
  ExpectSame(All(*db), before);
  // Nothing left to clean: the block stays.
  ASSERT_TRUE(db->CleanTombstones().ok());
  EXPECT_EQ(db->Blocks()[0]->ulid(), fresh->ulid());
  ASSERT_TRUE(db->Close().ok());

  if (tsdbd::testing::HaveProgram("promtool")) {
    // Check the rewritten block alone: move the WAL aside.
    stdfs::rename(dir.path() + "/wal", dir.path() + "/wal.aside");
    stdfs::create_directories(dir.path() + "/wal");
    auto dump = PromtoolDump(dir.path());
    std::vector<int64_t> want;
    for (int64_t t : Expected(kDelFrom, kDelTo)) {
      if (t < kT0 + kHour) want.push_back(t);
    }
    EXPECT_EQ(dump["{__name__=\"a\", i=\"0\"}"], want);
    auto list = tsdbd::testing::Run({"promtool", "tsdb", "list", dir.path()});
    EXPECT_EQ(list.exit_code, 0) << list.output;
    EXPECT_NE(list.output.find(fresh->ulid()), std::string::npos) << list.output;
  }
}

TEST(DeleteDbTest, CleanTombstonesDropsABlockLeftEmpty) {
  tsdbd::testing::TempDir dir;
  auto db = OpenDb(dir.path());
  Fill(*db);
  const std::string block_dir = db->Blocks()[0]->dir();
  std::vector<Matcher> ms{testing::M("__name__", Matcher::Type::kRegexMatch, ".+")};
  ASSERT_TRUE(db->Delete(kT0, kT0 + kHour - 1, ms).ok());
  ASSERT_TRUE(db->CleanTombstones().ok());
  EXPECT_TRUE(db->Blocks().empty());
  EXPECT_FALSE(stdfs::exists(block_dir));
  auto all = All(*db);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(Times(all[0]), Expected(kT0, kT0 + kHour - 1));
}

// Copies a directory tree (the snapshot is hard-linked to live files: a copy keeps it apart).
void CopyTree(const std::string& from, const std::string& to) {
  stdfs::copy(from, to, stdfs::copy_options::recursive);
}

TEST(DeleteDbTest, SnapshotIsAConsistentDataDirectory) {
  tsdbd::testing::TempDir dir, snaps;
  auto db = OpenDb(dir.path());
  Fill(*db);
  DeleteA0(*db);
  const auto want = All(*db);
  const std::string with_head = snaps.path() + "/with_head";
  const std::string blocks_only = snaps.path() + "/blocks_only";
  ASSERT_TRUE(db->Snapshot(with_head, true).ok());
  ASSERT_TRUE(db->Snapshot(blocks_only, false).ok());

  // The block is linked, not copied.
  const block::BlockPtr b = db->Blocks()[0];
  struct stat live {
  }, snap{};
  ASSERT_EQ(::stat((b->dir() + "/index").c_str(), &live), 0);
  ASSERT_EQ(::stat((with_head + "/" + b->ulid() + "/index").c_str(), &snap), 0);
  EXPECT_EQ(live.st_ino, snap.st_ino);

  // Changes after the snapshot do not reach it.
  ASSERT_TRUE(db->Delete(kMin, kMax, std::vector<Matcher>{Eq("__name__", "b")}).ok());

  {
    auto copy = OpenDb(with_head);
    ASSERT_NE(copy, nullptr);
    EXPECT_EQ(copy->Blocks().size(), 2u);  // the block and the head's
    ExpectSame(All(*copy), want);
  }
  {
    auto copy = OpenDb(blocks_only);
    ASSERT_NE(copy, nullptr);
    auto all = All(*copy);
    ASSERT_EQ(all.size(), 3u);
    for (const SeriesData& s : all) EXPECT_LT(s.samples.back().t, kT0 + kHour);
  }

  // Prometheus 2.42 opens the snapshot and answers the same.
  if (!tsdbd::testing::HaveProgram("prometheus")) GTEST_SKIP() << "prometheus not installed";
  const std::string prom_dir = snaps.path() + "/prometheus";
  CopyTree(with_head, prom_dir);
  tsdbd::testing::PrometheusProcess prom(prom_dir, "scrape_configs: []\n",
                                         {"--storage.tsdb.retention.time=100y"});
  ASSERT_TRUE(prom.WaitReady()) << prom.log();
  for (const SeriesData& s : want) {
    const std::string sel = "%7B__name__%3D%22" + std::string(s.labels.Get("__name__")) +
                            "%22%2Ci%3D%22" + std::string(s.labels.Get("i")) + "%22%7D";
    auto r = prom.Get("/api/v1/query?query=count_over_time(" + sel +
                      "%5B3h%5D)&time=" + std::to_string(kEnd / 1000));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.body.find("\"" + std::to_string(s.samples.size()) + "\"]"), std::string::npos)
        << s.labels.ToString() << " " << r.body;
  }
}

// Snapshots taken while samples keep coming: each is whole and opens with at least what
// was committed before it started.
TEST(DeleteDbTest, SnapshotsDuringIngestionAreWhole) {
  tsdbd::testing::TempDir dir, snaps;
  auto db = OpenDb(dir.path());
  Fill(*db);
  std::atomic<bool> stop{false};
  std::atomic<int64_t> committed{kEnd - kStep};
  std::thread writer([&] {
    for (int64_t t = kEnd; !stop.load() && t < kEnd + 100000 * kStep; t += kStep) {
      auto app = db->NewAppender();
      for (const Labels& l : AllSeries()) ASSERT_TRUE(app->Append(0, l, t, 1).ok());
      ASSERT_TRUE(app->Commit().ok());
      committed.store(t);
    }
  });
  for (int i = 0; i < 10; ++i) {
    const int64_t before = committed.load();
    const std::string snap = snaps.path() + "/s" + std::to_string(i);
    ASSERT_TRUE(db->Snapshot(snap, true).ok());
    auto copy = OpenDb(snap);
    ASSERT_NE(copy, nullptr);
    auto all = All(*copy);
    ASSERT_EQ(all.size(), 3u);
    for (const SeriesData& s : all) EXPECT_GE(s.samples.back().t, before) << i;
  }
  stop.store(true);
  writer.join();
}

TEST(DeleteDbTest, SnapshotRefusesTheDataDirectoryAndUlidNames) {
  tsdbd::testing::TempDir dir;
  auto db = OpenDb(dir.path());
  Fill(*db);
  EXPECT_FALSE(db->Snapshot(dir.path(), true).ok());
  EXPECT_FALSE(db->Snapshot(dir.path() + "/snaps/01HF2Z7S8X4Y7QJ9V0B6W1K3MN", true).ok());
}

}  // namespace
}  // namespace tsdbd::tsdb
