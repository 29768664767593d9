// The database survives kill -9 at any moment, compactions included: a forked child commits
// batch after batch into a DB that writes blocks out of the head, merges them and deletes
// those past retention; the parent kills it at a random moment (in some rounds while it
// compacts), reopens the directory and checks it: every block whole and consistent with its
// meta.json, no leftovers, and every committed sample not past retention there exactly once.
#include <gtest/gtest.h>

#include <cstdio>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bit>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "lib/tsdb/block/block.h"
#include "lib/tsdb/block/block_writer.h"
#include "lib/tsdb/block/ulid.h"
#include "lib/tsdb/db/db.h"
#include "tests/testing/process.h"
#include "tests/tsdb/head_test_util.h"

namespace tsdbd::tsdb {
namespace {

namespace stdfs = std::filesystem;
using Clock = std::chrono::steady_clock;
using testing::SeriesData;

constexpr int kSeries = 100;
constexpr int64_t kRange = 60 * 60 * 1000;  // 1h blocks
constexpr int64_t kStep = 5 * 60 * 1000;    // one batch every 5m: 12 per block
constexpr int64_t kRetention = 5 * kRange;
constexpr int kCompactEvery = 4;  // batches between Compact() calls

DbOptions CrashOptions(const std::string& dir) {
  DbOptions o;
  o.dir = dir;
  o.min_block_duration_ms = kRange;
  o.max_block_duration_ms = 9 * kRange;  // ranges 1h, 3h, 9h
  o.retention_ms = kRetention;
  o.background = false;
  return o;
}

Labels CrashSeries(int i) {
  return Labels{{"__name__", "crash"}, {"i", std::to_string(i)}};
}

double Value(int batch, int i) {
  return batch * 1000.0 + i;
}

// What the child reports on its pipe.
enum class Kind : int32_t {
  kCommitted,   // batch `batch` is committed
  kCompacting,  // Compact() starts, and the head spans enough to write a block
  kCompacted,   // that Compact() returned
};
struct Report {
  Kind kind;
  int32_t batch;
};

[[noreturn]] void CrashChild(const std::string& dir, int first_batch, int report_fd) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  auto db = DB::Open(CrashOptions(dir));
  if (!db.ok()) ::_exit(3);
  std::vector<storage::SeriesRef> refs(kSeries, 0);
  auto report = [&](Kind kind, int batch) {
    const Report r{kind, batch};
    if (::write(report_fd, &r, sizeof(r)) != sizeof(r)) ::_exit(6);
  };
  for (int b = first_batch; b < first_batch + 100'000; ++b) {
    auto app = (*db)->NewAppender();
    for (int i = 0; i < kSeries; ++i) {
      auto r = app->Append(refs[i], CrashSeries(i), int64_t{b} * kStep, Value(b, i));
      if (!r.ok()) ::_exit(4);
      refs[i] = r.ref;
    }
    if (!app->Commit().ok()) ::_exit(5);
    report(Kind::kCommitted, b);
    if ((b + 1) % kCompactEvery != 0) continue;
    const Head& head = (*db)->head();
    const bool writes = head.MaxTime() - head.MinTime() > kRange / 2 * 3;
    if (writes) report(Kind::kCompacting, b);
    if (Status s = (*db)->Compact(); !s.ok()) {
      std::fprintf(stderr, "child: compaction failed: %s\n", s.message().c_str());
      ::_exit(7);
    }
    if (writes) report(Kind::kCompacted, b);
  }
  ::_exit(0);
}

// Reads one report, waiting until `deadline`; nullopt at the end of the stream or the
// deadline.
std::optional<Report> ReadReport(int fd, Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(std::max<int64_t>(0, left.count()))) <= 0) return std::nullopt;
  Report r;
  if (::read(fd, &r, sizeof(r)) != sizeof(r)) return std::nullopt;
  return r;
}

std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : stdfs::directory_iterator(dir)) out.push_back(e.path().filename());
  std::sort(out.begin(), out.end());
  return out;
}

bool IsLeftover(const std::string& name) {
  return name.ends_with(block::kTmpForCreation) || name.ends_with(block::kTmpForDeletion);
}

// Checks a block against its meta.json the way `promtool tsdb analyze` would see it:
// series, chunks and samples counted, every chunk and sample inside the block's range.
void CheckBlock(const block::Block& b) {
  SCOPED_TRACE("block " + b.ulid());
  const block::BlockMeta meta = b.meta();
  uint64_t series = 0, chunks = 0, samples = 0;
  auto all = b.index().All();
  while (all->Next()) {
    Labels labels;
    std::vector<block::ChunkMeta> metas;
    ASSERT_TRUE(b.index().Series(all->At(), &labels, &metas).ok());
    ++series;
    chunks += metas.size();
    for (const block::ChunkMeta& c : metas) {
      EXPECT_GE(c.min_time, meta.min_time);
      EXPECT_LT(c.max_time, meta.max_time);
    }
  }
  auto q = b.NewQuerier(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
  auto set = q->Select(false, nullptr, std::vector<Matcher>{testing::Eq("__name__", "crash")});
  while (set->Next()) {
    auto it = set->At()->Iterator();
    while (it->Next()) {
      ++samples;
      EXPECT_GE(it->At().t, meta.min_time);
      EXPECT_LT(it->At().t, meta.max_time);
    }
    ASSERT_TRUE(it->Err().ok()) << it->Err().message();
  }
  ASSERT_TRUE(set->Err().ok()) << set->Err().message();
  EXPECT_EQ(meta.stats.num_series, series);
  EXPECT_EQ(meta.stats.num_chunks, chunks);
  EXPECT_EQ(meta.stats.num_samples, samples);
  EXPECT_FALSE(meta.compaction.deletable);
}

uint64_t CountSamples(const std::vector<SeriesData>& all) {
  uint64_t n = 0;
  for (const SeriesData& s : all) n += s.samples.size();
  return n;
}

// Opens the directory after a kill and checks it. `last` is the last batch reported
// committed. Returns the last batch present (all series agree), or -1 on failure.
struct CrashStats {
  int max_level = 0;        // highest compaction level seen
  int64_t oldest_kept = 0;  // the oldest sample's time at the last check
};

int CheckAfterCrash(const std::string& dir, int last, CrashStats* stats) {
  auto opened = DB::Open(CrashOptions(dir));
  EXPECT_TRUE(opened.ok()) << opened.error().message();
  if (!opened.ok()) return -1;
  DB& db = **opened;
  for (const std::string& name : Entries(dir)) EXPECT_FALSE(IsLeftover(name)) << name;

  // Blocks: each opens from disk, agrees with its meta, none overlaps another (no vertical
  // data is written here), none is a parent of another (replaced blocks are gone), and
  // retention holds.
  const std::vector<block::BlockPtr> blocks = db.Blocks();
  std::set<std::string> dirs;
  for (const std::string& name : Entries(dir)) {
    if (block::IsUlid(name)) dirs.insert(name);
  }
  std::set<std::string> loaded;
  std::set<std::string> parents;
  int64_t newest_max = std::numeric_limits<int64_t>::min();
  uint64_t block_samples = 0;
  for (size_t k = 0; k < blocks.size(); ++k) {
    const block::BlockPtr& b = blocks[k];
    loaded.insert(b->ulid());
    auto reopened = block::Block::Open(b->dir());
    EXPECT_TRUE(reopened.ok()) << reopened.error().message();
    if (!reopened.ok()) return -1;
    CheckBlock(**reopened);
    if (k > 0) {
      EXPECT_LE(blocks[k - 1]->MaxTime(), b->MinTime()) << "blocks overlap";
    }
    for (const block::BlockDesc& p : b->meta().compaction.parents) parents.insert(p.ulid);
    newest_max = std::max(newest_max, b->MaxTime());
    block_samples += b->meta().stats.num_samples;
  }
  EXPECT_EQ(dirs, loaded) << "every block directory is loaded, and nothing else";
  for (const std::string& p : parents) EXPECT_FALSE(loaded.contains(p)) << "parent " << p;
  for (const block::BlockPtr& b : blocks) {
    EXPECT_LE(newest_max - b->MaxTime(), kRetention) << "past retention: " << b->ulid();
  }

  // Samples: contiguous batches per series, each value as written, all series ending at the
  // same batch: the last reported one, or the one being committed at the kill.
  const auto all =
      testing::SelectAll(db, std::numeric_limits<int64_t>::min(),
                         std::numeric_limits<int64_t>::max(), {testing::Eq("__name__", "crash")});
  EXPECT_EQ(all.size(), static_cast<size_t>(kSeries));
  if (all.size() != static_cast<size_t>(kSeries)) return -1;
  const int64_t first_t = all[0].samples.empty() ? -1 : all[0].samples.front().t;
  int present = -2;
  for (const SeriesData& s : all) {
    const int i = std::stoi(std::string(s.labels.Get("i")));
    EXPECT_FALSE(s.samples.empty()) << s.labels.ToString();
    if (s.samples.empty()) return -1;
    EXPECT_EQ(s.samples.front().t, first_t) << "retention drops whole batches";
    for (size_t k = 0; k < s.samples.size(); ++k) {
      const int64_t t = first_t + static_cast<int64_t>(k) * kStep;
      const int batch = static_cast<int>(t / kStep);
      if (s.samples[k].t != t || s.samples[k].v != std::bit_cast<uint64_t>(Value(batch, i))) {
        ADD_FAILURE() << s.labels.ToString() << " sample " << k << " is " << s.samples[k]
                      << ", want t=" << t << " v=" << Value(batch, i);
        return -1;
      }
    }
    const int n = static_cast<int>(s.samples.back().t / kStep);
    if (present != -2) {
      EXPECT_EQ(n, present) << "a batch is all or nothing";
    }
    present = n;
  }
  EXPECT_GE(present, last) << "a committed batch is lost";
  EXPECT_LE(present, last + 1) << "a batch appeared that was never committed";

  // What is missing at the front went with whole blocks past retention: the oldest sample is
  // the oldest block's start, and every batch within retention of the newest block is here.
  if (blocks.empty()) {
    EXPECT_EQ(first_t, 0);
  } else {
    EXPECT_EQ(first_t, blocks.front()->MinTime());
    EXPECT_LE(first_t, std::max<int64_t>(0, newest_max - kRetention))
        << "a batch within retention is gone";
  }

  // Exactly once: the blocks and the head hold disjoint parts that add up to the answer.
  const auto head_part =
      testing::SelectAll(db.head(), std::numeric_limits<int64_t>::min(),
                         std::numeric_limits<int64_t>::max(), {testing::Eq("__name__", "crash")});
  for (const SeriesData& s : head_part) {
    if (!blocks.empty() && !s.samples.empty()) {
      EXPECT_GE(s.samples.front().t, newest_max) << "the head repeats a block's samples";
    }
  }
  EXPECT_EQ(block_samples + CountSamples(head_part), CountSamples(all));
  for (const block::BlockPtr& b : blocks) {
    stats->max_level = std::max(stats->max_level, b->meta().compaction.level);
  }
  stats->oldest_kept = first_t;
  EXPECT_TRUE(db.Close().ok());

  // promtool reads the directory as Prometheus would and lists every block.
  if (tsdbd::testing::HaveProgram("promtool")) {
    const auto list = tsdbd::testing::Run({"promtool", "tsdb", "list", dir});
    EXPECT_EQ(list.exit_code, 0) << list.output;
    for (const block::BlockPtr& b : blocks) {
      EXPECT_NE(list.output.find(b->ulid()), std::string::npos) << list.output;
    }
  }
  return ::testing::Test::HasFailure() ? -1 : present;
}

TEST(DbCrashTest, KilledWhileCommittingAndCompactingLosesNothingCommitted) {
  tsdbd::testing::TempDir tmp;
  const std::string dir = tmp.path() + "/data";
  std::mt19937_64 rng(20240607);
  int next_batch = 0;
  double compaction_secs = 0.02;  // running estimate of one writing Compact()
  int killed_compacting = 0, leftovers_seen = 0;
  CrashStats stats;
  constexpr int kRounds = 16;
  for (int round = 0; round < kRounds; ++round) {
    // Even rounds: kill after a random number of batches. Odd rounds: kill a random short
    // while after a writing compaction started (within about its usual duration).
    const bool aim_at_compaction = round % 2 == 1;
    SCOPED_TRACE("round " + std::to_string(round) + (aim_at_compaction ? " (compaction)" : ""));
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      CrashChild(dir, next_batch, fds[1]);
    }
    ::close(fds[1]);

    const int wanted_batches = 1 + static_cast<int>(rng() % 150);
    const int wanted_compactions = 1 + static_cast<int>(rng() % 4);
    std::uniform_real_distribution<double> jitter(0, 1.5);
    int last = next_batch - 1, batches = 0, compactions = 0;
    bool compacting = false;
    Clock::time_point compaction_started;
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (Clock::now() < deadline) {
      const std::optional<Report> r = ReadReport(fds[0], deadline);
      if (!r) break;
      if (r->kind == Kind::kCommitted) {
        last = r->batch;
        if (!aim_at_compaction && ++batches >= wanted_batches) break;
      } else if (r->kind == Kind::kCompacting) {
        compacting = true;
        compaction_started = Clock::now();
        if (aim_at_compaction && ++compactions >= wanted_compactions) {
          const double delay = compaction_secs * jitter(rng);
          std::this_thread::sleep_for(std::chrono::duration<double>(delay));
          break;
        }
      } else {
        compacting = false;
        const double secs =
            std::chrono::duration<double>(Clock::now() - compaction_started).count();
        compaction_secs = 0.7 * compaction_secs + 0.3 * secs;
      }
    }
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    // Reports written before the kill count too.
    while (const std::optional<Report> r = ReadReport(fds[0], Clock::now())) {
      if (r->kind == Kind::kCommitted) last = r->batch;
      if (r->kind == Kind::kCompacting) compacting = true;
      if (r->kind == Kind::kCompacted) compacting = false;
    }
    ::close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
    if (compacting) ++killed_compacting;
    for (const std::string& name : Entries(dir)) leftovers_seen += IsLeftover(name);

    const int present = CheckAfterCrash(dir, last, &stats);
    ASSERT_GE(present, 0);
    next_batch = present + 1;
  }
  // How often the aim hit (not asserted: it depends on timing).
  std::cout << "[ crash ] " << kRounds << " rounds, " << next_batch << " batches, "
            << killed_compacting << " kills inside a writing compaction, " << leftovers_seen
            << " tmp-for-* leftovers found, compaction ~" << compaction_secs * 1000
            << " ms, highest level " << stats.max_level << ", data kept from "
            << stats.oldest_kept / kRange << "h\n";
  // Head compaction, block compaction and retention all happened.
  EXPECT_GE(stats.max_level, 2);
  EXPECT_GT(stats.oldest_kept, 0);
}

}  // namespace
}  // namespace tsdbd::tsdb
