// Appenders on several threads and queriers at the same time: no crash (run it under ASan),
// queries only ever see whole committed batches, and the counts are exact at the end.
#include <gtest/gtest.h>

#include <atomic>
#include <bit>
#include <random>
#include <thread>

#include "lib/tsdb/head/head.h"
#include "tests/tsdb/head_test_util.h"

namespace tsdbd::tsdb {
namespace {

constexpr int kThreads = 3;
constexpr int kSeriesPerThread = 100;
constexpr int kBatches = 150;

Labels ThreadSeries(int thread, int i) {
  return Labels{{"__name__", std::string("m").append(std::to_string(i % 5))},
                {"i", std::to_string(i)},
                {"thread", std::to_string(thread)}};
}

TEST(HeadConcurrencyTest, AppendersAndQueriersTogether) {
  HeadOptions o = testing::MemOptions();
  // Wide enough that a slow thread is never out of bounds (max time - range/2); chunks are
  // still cut every 120 samples while queries read.
  o.chunk_range_ms = 600'000;
  auto h = Head::Open(o);
  ASSERT_TRUE(h.ok());
  Head& head = **h;
  std::atomic<int> writers_left{kThreads};
  std::atomic<bool> failed{false};

  auto writer = [&](int thread) {
    std::vector<storage::SeriesRef> refs(kSeriesPerThread, 0);
    for (int b = 0; b < kBatches; ++b) {
      auto app = head.NewAppender();
      for (int i = 0; i < kSeriesPerThread; ++i) {
        auto r = app->Append(refs[i], ThreadSeries(thread, i), int64_t{b} * 1000, b);
        if (!r.ok()) failed = true;
        refs[i] = r.ref;
      }
      // Every thread also races to create the same shared series.
      auto r = app->Append(0, Labels{{"__name__", "shared"}, {"b", std::to_string(b)}},
                           int64_t{b} * 1000, thread);
      (void)r;
      if (!app->Commit().ok()) failed = true;
    }
    --writers_left;
  };

  auto reader = [&](uint64_t seed) {
    std::mt19937_64 rng(seed);
    // Bounded: stops when the writers are done, or after a fixed number of rounds.
    for (int round = 0; round < 100000 && writers_left.load() > 0; ++round) {
      int thread = static_cast<int>(rng() % kThreads);
      std::vector<Matcher> ms = {
          testing::Eq("thread", std::to_string(thread)),
          testing::Eq("__name__", std::string("m").append(std::to_string(rng() % 5)))};
      int64_t mint = static_cast<int64_t>(rng() % (kBatches * 1000));
      auto got = testing::SelectAll(head, mint, mint + 50'000, ms, rng() % 2 == 0);
      for (const auto& s : got) {
        // Samples are contiguous batches: each sample's value is its batch number.
        for (size_t k = 0; k < s.samples.size(); ++k) {
          const auto& smp = s.samples[k];
          if (smp.v != std::bit_cast<uint64_t>(static_cast<double>(smp.t / 1000)) ||
              (k > 0 && smp.t != s.samples[k - 1].t + 1000) || smp.t < mint) {
            failed = true;
          }
        }
      }
      auto q = head.NewQuerier(0, kBatches * 1000);
      if (!q.ok() || !(*q)->LabelValues("i", ms).ok()) failed = true;
    }
  };

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(writer, t);
  threads.emplace_back(reader, 1);
  threads.emplace_back(reader, 2);
  for (auto& t : threads) t.join();
  ASSERT_FALSE(failed.load());

  HeadStats st = head.Stats();
  EXPECT_EQ(st.num_series, static_cast<uint64_t>(kThreads * kSeriesPerThread + kBatches));
  // Each shared series got one sample (the first committer's); the others were duplicates
  // at Append or dropped at Commit.
  auto shared = testing::SelectAll(head, 0, kBatches * 1000, {testing::Eq("__name__", "shared")});
  ASSERT_EQ(shared.size(), static_cast<size_t>(kBatches));
  for (const auto& s : shared) EXPECT_EQ(s.samples.size(), 1u);
  EXPECT_EQ(st.samples_appended,
            static_cast<uint64_t>(kThreads * kSeriesPerThread * kBatches + kBatches));
  auto all = testing::SelectAll(head, 0, kBatches * 1000, {testing::Eq("thread", "1")});
  ASSERT_EQ(all.size(), static_cast<size_t>(kSeriesPerThread));
  for (const auto& s : all) EXPECT_EQ(s.samples.size(), static_cast<size_t>(kBatches));
}

TEST(HeadConcurrencyTest, TruncateWhileAppendingAndQuerying) {
  HeadOptions o = testing::MemOptions();
  o.chunk_range_ms = 10'000;
  auto h = Head::Open(o);
  ASSERT_TRUE(h.ok());
  Head& head = **h;
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int b = 0; b < 400; ++b) {
      auto app = head.NewAppender();
      // Each batch uses new series too, so garbage collection has work.
      for (int i = 0; i < 20; ++i) {
        (void)app->Append(0, Labels{{"__name__", "x"}, {"i", std::to_string(i)}}, b * 1000, b);
        (void)app->Append(0, Labels{{"__name__", "y"}, {"b", std::to_string(b)}}, b * 1000, b);
      }
      (void)app->Commit();
    }
    done = true;
  });
  std::thread reader([&] {
    for (int round = 0; round < 100000 && !done.load(); ++round) {
      auto got = testing::SelectAll(head, 0, 1'000'000, {testing::Eq("__name__", "y")});
      for (const auto& s : got) {
        if (s.samples.size() > 1) ADD_FAILURE() << "one sample per y series";
      }
    }
  });
  for (int round = 0; round < 100000 && !done.load(); ++round) {
    const int64_t max_t = head.MaxTime();
    if (max_t == Head::kNoTime) continue;  // nothing committed yet
    ASSERT_TRUE(head.Truncate(std::max<int64_t>(0, max_t - 30'000)).ok());
  }
  writer.join();
  reader.join();
  ASSERT_TRUE(head.Truncate(head.MaxTime() - 30'000).ok());
  // The y series older than the bound are gone; the x ones remain.
  HeadStats st = head.Stats();
  EXPECT_LE(st.num_series, 20u + 40u);
  EXPECT_EQ(testing::SelectAll(head, 0, 1'000'000, {testing::Eq("__name__", "x")}).size(), 20u);
}

}  // namespace
}  // namespace tsdbd::tsdb
