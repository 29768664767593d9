// Query snapshots of the open chunk are shared with the series, not copied: appends that
// come after a snapshot must not change what it reads, however long the reader holds it,
// across chunk cuts and buffer growth. Every answer is checked against a model of what was
// committed. Run it under ASan too (a freed or reallocated buffer would be read).
#include <gtest/gtest.h>

#include <atomic>
#include <bit>
#include <cmath>
#include <thread>

#include "lib/tsdb/head/head.h"
#include "tests/tsdb/head_test_util.h"

namespace tsdbd::tsdb {
namespace {

constexpr int kSeries = 40;
constexpr int kBatches = 700;  // several chunks of 120 samples per series

// Values that vary in every bit width, so the XOR encoding writes uneven bit counts.
double ValueOf(int series, int batch) {
  return std::ldexp(static_cast<double>((series * 7919 + batch * 104729) % 100003),
                    batch % 40 - 20);
}

Labels SeriesLabels(int i) {
  return Labels{{"__name__", "m"}, {"i", std::to_string(i)}};
}

// Whether `samples` of series i are exactly batches [0, n) for some n in [lo, hi]; sets *n.
bool CommittedPrefix(const std::vector<testing::BitSample>& samples, int i, int lo, int hi,
                     int* n) {
  *n = static_cast<int>(samples.size());
  if (*n < lo || *n > hi) return false;
  for (int b = 0; b < *n; ++b) {
    const testing::BitSample want{int64_t{b} * 1000, std::bit_cast<uint64_t>(ValueOf(i, b))};
    if (!(samples[static_cast<size_t>(b)] == want)) return false;
  }
  return true;
}

TEST(HeadSnapshotTest, HeldSnapshotsDoNotChangeWhileAppendsContinue) {
  HeadOptions o = testing::MemOptions();
  o.chunk_range_ms = 10'000'000;  // cuts by sample count (every 120), not by time
  auto h = Head::Open(o);
  ASSERT_TRUE(h.ok());
  Head& head = **h;
  std::atomic<int> committed{0};  // batches committed so far
  std::atomic<bool> failed{false};
  std::atomic<int> checked{0};

  std::thread writer([&] {
    std::vector<storage::SeriesRef> refs(kSeries, 0);
    for (int b = 0; b < kBatches; ++b) {
      auto app = head.NewAppender();
      for (int i = 0; i < kSeries; ++i) {
        auto r = app->Append(refs[static_cast<size_t>(i)], SeriesLabels(i), int64_t{b} * 1000,
                             ValueOf(i, b));
        if (!r.ok()) {
          ADD_FAILURE() << "append status " << static_cast<int>(r.status);
          failed = true;
        }
        refs[static_cast<size_t>(i)] = r.ref;
      }
      if (!app->Commit().ok()) failed = true;
      committed.store(b + 1);
      if (b % 8 == 0) std::this_thread::yield();
    }
  });

  const std::vector<Matcher> all_series = {testing::Eq("__name__", "m")};
  auto reader = [&] {
    // Bounded: stops when the writer is done or after a fixed number of rounds.
    for (int round = 0; round < 20000 && committed.load() < kBatches; ++round) {
      const int before = committed.load();
      auto q = head.NewQuerier(0, int64_t{kBatches} * 1000);
      if (!q.ok()) {
        failed = true;
        return;
      }
      auto set = (*q)->Select(round % 2 == 0, nullptr, all_series);
      std::vector<std::shared_ptr<const storage::Series>> held;
      std::vector<int> seen;  // samples each held series had when first read
      while (set->Next()) {
        // The batch being committed may already be visible: `committed` counts it after.
        const int at_next = committed.load() + 1;
        auto s = set->At();
        const int i = std::stoi(std::string(s->labels().Get("i")));
        std::this_thread::yield();  // let appends land in the snapshot's open chunk
        auto it = s->Iterator();
        int n = 0;
        if (!CommittedPrefix(testing::Drain(*it), i, before, at_next, &n)) {
          ADD_FAILURE() << "series " << i << ": " << n << " samples, committed " << before << ".."
                        << at_next;
          failed = true;
        }
        held.push_back(std::move(s));
        seen.push_back(n);
      }
      // Read every held snapshot again, many appends later: the same samples.
      for (size_t k = 0; k < held.size(); ++k) {
        const int i = std::stoi(std::string(held[k]->labels().Get("i")));
        auto it = held[k]->Iterator();
        int n = 0;
        if (!CommittedPrefix(testing::Drain(*it), i, seen[k], seen[k], &n)) {
          ADD_FAILURE() << "series " << i << " read again: " << n << " samples, " << seen[k]
                        << " before";
          failed = true;
        }
      }
      ++checked;
    }
  };
  std::thread r1(reader), r2(reader);
  writer.join();
  r1.join();
  r2.join();
  ASSERT_FALSE(failed.load());
  EXPECT_GT(checked.load(), 0);

  // At the end every series holds every batch.
  const auto all =
      testing::SelectAll(head, 0, int64_t{kBatches} * 1000, {testing::Eq("__name__", "m")});
  ASSERT_EQ(all.size(), static_cast<size_t>(kSeries));
  for (const auto& s : all) {
    const int i = std::stoi(std::string(s.labels.Get("i")));
    int n = 0;
    EXPECT_TRUE(CommittedPrefix(s.samples, i, kBatches, kBatches, &n)) << i << ": " << n;
  }
}

}  // namespace
}  // namespace tsdbd::tsdb
