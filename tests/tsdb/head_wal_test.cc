// The head's durability: WAL replay on reopen, torn tails, truncation by checkpoint, and
// kill -9 of a process that is committing.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bit>
#include <chrono>
#include <filesystem>
#include <map>
#include <random>
#include <thread>

#include "lib/model/value.h"
#include "lib/tsdb/head/head.h"
#include "lib/tsdb/wal/checkpoint.h"
#include "lib/tsdb/wal/segments.h"
#include "tests/tsdb/head_test_util.h"
#include "tests/tsdb/wal_test_util.h"

namespace tsdbd::tsdb {
namespace {

using testing::BitSample;
using testing::SeriesData;
using wal::testing::TempDir;

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

std::unique_ptr<Head> OpenHead(const std::string& dir, int64_t segment_size = 0) {
  HeadOptions o = testing::MemOptions();
  o.wal_dir = dir + "/wal";
  if (segment_size > 0) o.wal_options.segment_size = segment_size;
  auto h = Head::Open(o);
  EXPECT_TRUE(h.ok()) << (h.ok() ? "" : h.error().message());
  return h.ok() ? std::move(*h) : nullptr;
}

std::vector<SeriesData> All(Head& head) {
  return testing::SelectAll(head, kMin, kMax,
                            {testing::M("__name__", Matcher::Type::kRegexMatch, ".*")});
}

void ExpectSame(const std::vector<SeriesData>& a, const std::vector<SeriesData>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].labels, b[i].labels);
    EXPECT_EQ(a[i].samples, b[i].samples) << a[i].labels.ToString();
  }
}

Labels Series(int i) {
  return Labels{{"__name__", std::string("m").append(std::to_string(i % 7))},
                {"i", std::to_string(i)}};
}

TEST(HeadWalTest, ReplayRestoresCommittedData) {
  TempDir dir;
  std::vector<SeriesData> before;
  {
    auto head = OpenHead(dir.path());
    ASSERT_TRUE(head);
    std::mt19937_64 rng(7);
    std::map<int, storage::SeriesRef> refs;
    for (int b = 0; b < 50; ++b) {
      auto app = head->NewAppender();
      for (int k = 0; k < 20; ++k) {
        int i = static_cast<int>(rng() % 60);
        double v = rng() % 10 == 0 ? StaleNaN() : static_cast<double>(rng() % 100) / 3;
        auto r = app->Append(refs[i], Series(i), b * 15000 + k, v);
        if (r.ok()) refs[i] = r.ref;
      }
      if (b % 7 == 3) {
        app->Rollback();
      } else {
        ASSERT_TRUE(app->Commit().ok());
      }
    }
    before = All(*head);
    ASSERT_GT(before.size(), 40u);
  }
  {
    auto head = OpenHead(dir.path());
    ASSERT_TRUE(head);
    ExpectSame(All(*head), before);
    EXPECT_EQ(head->replay_stats().unknown_ref_samples, 0);
    EXPECT_GT(head->replay_stats().samples, 500);
    // New series after a restart get refs that do not collide with the replayed ones.
    auto app = head->NewAppender();
    ASSERT_TRUE(app->Append(0, Labels{{"__name__", "fresh"}}, 50 * 15000, 1).ok());
    ASSERT_TRUE(app->Append(0, Series(1), 50 * 15000, 2).ok());
    ASSERT_TRUE(app->Commit().ok());
    before = All(*head);
  }
  auto head = OpenHead(dir.path());
  ASSERT_TRUE(head);
  ExpectSame(All(*head), before);
  EXPECT_EQ(head->Stats().num_series, before.size());
}

TEST(HeadWalTest, ReplayOfBigSeriesRecordsIndexesEverySeries) {
  // Three commits of 3000 new series each: three series records big enough to be built and
  // indexed on other threads, the last while samples of the others are replayed.
  TempDir dir;
  constexpr int kPerCommit = 3000, kCommits = 3;
  {
    auto head = OpenHead(dir.path());
    ASSERT_TRUE(head);
    for (int c = 0; c < kCommits; ++c) {
      auto app = head->NewAppender();
      for (int i = c * kPerCommit; i < (c + 1) * kPerCommit; ++i) {
        ASSERT_TRUE(app->Append(0, Series(i), 1000 + c, i).ok());
      }
      ASSERT_TRUE(app->Commit().ok());
    }
  }
  auto head = OpenHead(dir.path());
  ASSERT_TRUE(head);
  EXPECT_EQ(head->Stats().num_series, static_cast<uint64_t>(kPerCommit * kCommits));
  // By a name shared by a seventh of them, and each by its own label.
  const auto m3 = testing::SelectAll(*head, kMin, kMax, {testing::Eq("__name__", "m3")});
  EXPECT_EQ(m3.size(), static_cast<size_t>(kPerCommit * kCommits + 3) / 7);
  for (int i = 0; i < kPerCommit * kCommits; i += 97) {
    const auto got = testing::SelectAll(*head, kMin, kMax, {testing::Eq("i", std::to_string(i))});
    ASSERT_EQ(got.size(), 1u) << i;
    EXPECT_EQ(got[0].labels, Series(i));
    ASSERT_EQ(got[0].samples.size(), 1u);
    EXPECT_EQ(got[0].samples[0].t, 1000 + i / kPerCommit);
  }
}

TEST(HeadWalTest, TornTailLosesOnlyTheTail) {
  TempDir dir;
  std::vector<int64_t> sizes;  // size of the segment after each commit
  std::string segment;
  {
    auto head = OpenHead(dir.path());
    ASSERT_TRUE(head);
    auto segs = wal::ListSegments(dir.path() + "/wal");
    ASSERT_TRUE(segs.ok());
    segment = segs->back().path;
    for (int b = 0; b < 40; ++b) {
      auto app = head->NewAppender();
      for (int i = 0; i < 5; ++i) ASSERT_TRUE(app->Append(0, Series(i), b * 1000, b).ok());
      ASSERT_TRUE(app->Commit().ok());
      sizes.push_back(wal::testing::FileSize(segment));
    }
  }
  // Cut inside batch 30's record (index 29): batches 0..28 must survive, nothing else.
  const int64_t cut = (sizes[28] + sizes[29]) / 2;
  std::filesystem::resize_file(segment, static_cast<uintmax_t>(cut));
  auto head = OpenHead(dir.path());
  ASSERT_TRUE(head);
  // The replay found the tear, said so (as Prometheus counts it in
  // prometheus_tsdb_wal_corruptions_total) and cut the segment where whole records end.
  EXPECT_NE(head->replay_stats().corruption, "");
  EXPECT_EQ(wal::testing::FileSize(segment), sizes[28]);
  auto got = All(*head);
  ASSERT_EQ(got.size(), 5u);
  for (const SeriesData& s : got) {
    ASSERT_EQ(s.samples.size(), 29u) << s.labels.ToString();
    for (int b = 0; b < 29; ++b) {
      EXPECT_EQ(s.samples[b], (BitSample{b * 1000, std::bit_cast<uint64_t>(double(b))}));
    }
  }
  // And writing continues after the repaired tail.
  auto app = head->NewAppender();
  ASSERT_TRUE(app->Append(0, Series(0), 100'000, 1).ok());
  ASSERT_TRUE(app->Commit().ok());
  head.reset();
  head = OpenHead(dir.path());
  EXPECT_EQ(All(*head)[0].samples.size(), 30u);
}

TEST(HeadWalTest, GarbageTailIsRepaired) {
  TempDir dir;
  std::string segment;
  {
    auto head = OpenHead(dir.path());
    auto segs = wal::ListSegments(dir.path() + "/wal");
    segment = segs->back().path;
    auto app = head->NewAppender();
    ASSERT_TRUE(app->Append(0, Series(0), 1000, 1).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
  std::string bytes = wal::testing::ReadFileBytes(segment);
  bytes += std::string(100, '\x5a');
  wal::testing::WriteFileBytes(segment, bytes);
  auto head = OpenHead(dir.path());
  ASSERT_TRUE(head);
  auto got = All(*head);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].samples.size(), 1u);
}

TEST(HeadWalTest, TruncateCheckpointsAndReplaysFromTheCheckpoint) {
  TempDir dir;
  const int64_t kSegment = 32 * 1024;
  std::vector<SeriesData> before;
  const int64_t mint = 300 * 1000;
  {
    HeadOptions o = testing::MemOptions();
    o.wal_dir = dir.path() + "/wal";
    o.wal_options.segment_size = kSegment;
    o.wal_options.compress = false;
    o.chunk_range_ms = 100'000;
    auto h = Head::Open(o);
    ASSERT_TRUE(h.ok());
    Head& head = **h;
    // Series "gone" only has old samples; "kept" goes on.
    for (int b = 0; b < 500; ++b) {
      auto app = head.NewAppender();
      for (int i = 0; i < 40; ++i) {
        ASSERT_TRUE(app->Append(0, Series(i), b * 1000, b).ok());
      }
      if (b < 100) {
        ASSERT_TRUE(app->Append(0, Labels{{"__name__", "gone"}}, b * 1000, b).ok());
      }
      ASSERT_TRUE(app->Commit().ok());
    }
    auto segs_before = wal::ListSegments(o.wal_dir);
    ASSERT_TRUE(segs_before.ok());
    ASSERT_GT(segs_before->size(), 6u);
    ASSERT_TRUE(head.Truncate(mint).ok());
    EXPECT_EQ(head.Stats().series_removed, 1u);
    auto cp = wal::LastCheckpoint(o.wal_dir);
    ASSERT_TRUE(cp.ok());
    ASSERT_TRUE(cp->has_value()) << "no checkpoint written";
    auto segs_after = wal::ListSegments(o.wal_dir);
    ASSERT_TRUE(segs_after.ok());
    EXPECT_GT(segs_after->front().index, segs_before->front().index);
    before = All(head);
    // Samples after truncation must survive too.
    auto app = head.NewAppender();
    for (int i = 0; i < 40; ++i) ASSERT_TRUE(app->Append(0, Series(i), 500 * 1000, 500).ok());
    ASSERT_TRUE(app->Commit().ok());
    before = All(head);
  }
  HeadOptions o = testing::MemOptions();
  o.wal_dir = dir.path() + "/wal";
  o.chunk_range_ms = 100'000;
  auto h = Head::Open(o);
  ASSERT_TRUE(h.ok()) << h.error().message();
  // Everything at or after mint is back; before mint, what the kept segments still hold.
  auto got = All(**h);
  ASSERT_EQ(got.size(), before.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].labels, before[i].labels);
    std::vector<BitSample> recent;
    for (const BitSample& s : got[i].samples) {
      if (s.t >= mint) recent.push_back(s);
    }
    EXPECT_EQ(recent, before[i].samples) << got[i].labels.ToString();
  }
  EXPECT_EQ((*h)->replay_stats().unknown_ref_samples, 0);
}

// A WAL of 32 KiB uncompressed segments in dir, and 100 s chunk ranges.
HeadOptions SmallSegmentOptions(const TempDir& dir) {
  HeadOptions o = testing::MemOptions();
  o.wal_dir = dir.path() + "/wal";
  o.wal_options.segment_size = 32 * 1024;
  o.wal_options.compress = false;
  o.chunk_range_ms = 100'000;
  return o;
}

// Commits samples of series 0..39 at seconds [from, to), one commit per second.
void Fill(Head& head, int from, int to) {
  for (int b = from; b < to; ++b) {
    auto app = head.NewAppender();
    for (int i = 0; i < 40; ++i) ASSERT_TRUE(app->Append(0, Series(i), b * 1000, b).ok());
    ASSERT_TRUE(app->Commit().ok());
  }
}

// The replay reports its segments as Prometheus 2.42 does: from the newest checkpoint's index
// (0 without one) to the last segment (the one opened for writing included), all replayed at
// the end, whether or not their records were dropped as older than the blocks.
TEST(HeadWalTest, ReplayStatusGoesFromTheCheckpointToTheLastSegment) {
  TempDir dir;
  const HeadOptions o = SmallSegmentOptions(dir);
  auto reopen = [&o](int64_t min_valid_time) {
    HeadOptions again = o;
    again.min_valid_time = min_valid_time;
    again.replay_status = std::make_shared<WalReplayStatus>();
    auto h = Head::Open(again);
    EXPECT_TRUE(h.ok()) << h.error().message();
    auto segs = wal::ListSegments(o.wal_dir);
    EXPECT_TRUE(segs.ok() && !segs->empty());
    return std::pair(again.replay_status->Get(), segs->back().index);
  };
  {
    auto h = Head::Open(o);
    ASSERT_TRUE(h.ok());
    Fill(**h, 0, 200);
  }
  {
    const auto [status, last] = reopen(MemSeries::kNoTime);
    EXPECT_GT(last, 2);
    EXPECT_EQ(status.min, 0);  // no checkpoint
    EXPECT_EQ(status.max, last);
    EXPECT_EQ(status.current, last);
  }
  {
    auto h = Head::Open(o);
    ASSERT_TRUE(h.ok());
    Fill(**h, 200, 500);
    ASSERT_TRUE((*h)->Truncate(300 * 1000).ok());
  }
  auto cp = wal::LastCheckpoint(o.wal_dir);
  ASSERT_TRUE(cp.ok() && cp->has_value());
  for (int64_t min_valid_time : {MemSeries::kNoTime, int64_t{1'000'000}}) {
    const auto [status, last] = reopen(min_valid_time);
    EXPECT_EQ(status.min, (*cp)->index) << min_valid_time;
    EXPECT_EQ(status.max, last) << min_valid_time;
    EXPECT_EQ(status.current, last) << min_valid_time;
  }
}

// A crash between writing a checkpoint and deleting the segments it covers leaves both: the
// next truncation drops those segments and checkpoints after it, instead of failing.
TEST(HeadWalTest, TruncateAfterACrashBetweenCheckpointAndSegmentRemoval) {
  TempDir dir;
  const HeadOptions o = SmallSegmentOptions(dir);
  int covered = 0;
  {
    auto h = Head::Open(o);
    ASSERT_TRUE(h.ok());
    Fill(**h, 0, 500);
    auto segs = wal::ListSegments(o.wal_dir);
    ASSERT_TRUE(segs.ok());
    ASSERT_GT(segs->size(), 6u);
    covered = segs->front().index + 3;
    // The checkpoint is written, then the process dies before removing segments.
    auto cp = wal::Checkpoint(
        o.wal_dir, segs->front().index, covered, [](uint64_t) { return true; }, 0, false);
    ASSERT_TRUE(cp.ok()) << cp.error().message();
  }
  auto h = Head::Open(o);
  ASSERT_TRUE(h.ok()) << h.error().message();
  const std::vector<SeriesData> before = All(**h);
  Fill(**h, 500, 800);
  ASSERT_TRUE((*h)->Truncate(300 * 1000).ok());
  auto segs = wal::ListSegments(o.wal_dir);
  ASSERT_TRUE(segs.ok());
  EXPECT_GT(segs->front().index, covered);
  auto cp = wal::LastCheckpoint(o.wal_dir);
  ASSERT_TRUE(cp.ok() && cp->has_value());
  EXPECT_GT((*cp)->index, covered);
  ASSERT_EQ(before.size(), 40u);
  EXPECT_EQ(before[0].samples.size(), 500u);
}

// Appenders racing on the same series, with interleaved timestamps so that commits drop
// each other's samples as out of order: memory must hold exactly what a replay rebuilds.
TEST(HeadWalTest, ConcurrentCommitsOnOneSeriesReplayIdentically) {
  TempDir dir;
  std::vector<SeriesData> before;
  {
    auto head = OpenHead(dir.path());
    ASSERT_TRUE(head);
    std::atomic<int64_t> clock{0};
    std::atomic<int> ready{0};
    auto writer = [&](int thread) {
      ++ready;
      for (int spin = 0; spin < 100'000'000 && ready.load() < 2; ++spin) std::this_thread::yield();
      for (int b = 0; b < 1000; ++b) {
        auto app = head->NewAppender();
        for (int i = 0; i < 10; ++i) {
          (void)app->Append(0, Series(i), clock.fetch_add(1), thread * 1000 + b);
          std::this_thread::yield();
        }
        (void)app->Commit();
      }
    };
    std::thread t1(writer, 1), t2(writer, 2);
    t1.join();
    t2.join();
    before = All(*head);
    // (Whether the threads interleaved depends on scheduling; the test below forces it.)
  }
  auto head = OpenHead(dir.path());
  ASSERT_TRUE(head);
  ExpectSame(All(*head), before);
}

TEST(HeadWalTest, InterleavedAppendersReplayIdentically) {
  TempDir dir;
  std::vector<SeriesData> before;
  {
    auto head = OpenHead(dir.path());
    ASSERT_TRUE(head);
    auto a = head->NewAppender();
    auto b = head->NewAppender();
    ASSERT_TRUE(a->Append(0, Series(0), 1000, 1).ok());
    ASSERT_TRUE(b->Append(0, Series(0), 2000, 2).ok());
    ASSERT_TRUE(b->Commit().ok());
    ASSERT_TRUE(a->Commit().ok());  // logged after b, dropped as out of order when applied
    EXPECT_EQ(head->Stats().out_of_order_samples, 1u);
    before = All(*head);
    ASSERT_EQ(before.size(), 1u);
    EXPECT_EQ(before[0].samples.size(), 1u);
  }
  auto head = OpenHead(dir.path());
  ASSERT_TRUE(head);
  ExpectSame(All(*head), before);
  EXPECT_EQ(head->replay_stats().out_of_order_samples, 1);
}

// The crash test: a forked child commits batch after batch and reports each committed batch
// index on a pipe; the parent kills it with SIGKILL at a random moment, reopens the head and
// checks that every reported batch is there and nothing more than the next one.
constexpr int kCrashSeries = 20;

[[noreturn]] void CrashChild(const std::string& dir, int first_batch, int report_fd) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  auto head = OpenHead(dir);
  if (!head) ::_exit(3);
  std::vector<storage::SeriesRef> refs(kCrashSeries, 0);
  for (int b = first_batch; b < first_batch + 1'000'000; ++b) {
    auto app = head->NewAppender();
    for (int i = 0; i < kCrashSeries; ++i) {
      auto r = app->Append(refs[i], Series(i), int64_t{b} * 1000, b);
      if (!r.ok()) ::_exit(4);
      refs[i] = r.ref;
    }
    if (!app->Commit().ok()) ::_exit(5);
    if (::write(report_fd, &b, sizeof(b)) != sizeof(b)) ::_exit(6);
  }
  ::_exit(0);
}

TEST(HeadCrashTest, KilledWhileCommittingLosesNothingCommitted) {
  TempDir dir;
  std::mt19937_64 rng(99);
  int next_batch = 0;
  for (int round = 0; round < 6; ++round) {
    SCOPED_TRACE(std::string("round ").append(std::to_string(round)));
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      CrashChild(dir.path(), next_batch, fds[1]);
    }
    ::close(fds[1]);
    // Let it commit a random number of batches (bounded by a deadline), then kill it.
    const int wanted = 1 + static_cast<int>(rng() % 300);
    int last = next_batch - 1, got = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (got < wanted && std::chrono::steady_clock::now() < deadline) {
      int b;
      if (::read(fds[0], &b, sizeof(b)) != sizeof(b)) break;
      last = b;
      ++got;
    }
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    // Reports written before the kill count as committed too.
    int b;
    while (::read(fds[0], &b, sizeof(b)) == sizeof(b)) last = b;
    ::close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
    ASSERT_GE(last, next_batch) << "child committed nothing";

    auto head = OpenHead(dir.path());
    ASSERT_TRUE(head);
    auto all = All(*head);
    ASSERT_EQ(all.size(), static_cast<size_t>(kCrashSeries));
    int present = -1;
    for (const SeriesData& s : all) {
      // Contiguous batches 0..n, each value equal to its batch: nothing lost, none invented.
      for (size_t k = 0; k < s.samples.size(); ++k) {
        ASSERT_EQ(s.samples[k].t, static_cast<int64_t>(k) * 1000) << s.labels.ToString();
        ASSERT_EQ(s.samples[k].v, std::bit_cast<uint64_t>(double(k)));
      }
      const int n = static_cast<int>(s.samples.size()) - 1;
      // Every reported batch is there; at most the one being committed at the kill beyond.
      ASSERT_GE(n, last);
      ASSERT_LE(n, last + 1);
      if (present >= 0) {
        ASSERT_EQ(n, present) << "a batch is all or nothing";
      }
      present = n;
    }
    next_batch = present + 1;
  }
}

}  // namespace
}  // namespace tsdbd::tsdb
