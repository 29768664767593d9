// Many threads updating the same metrics: no update may be lost.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "lib/metrics/registry.h"

namespace tsdbd::metrics {
namespace {

constexpr int kThreads = 8;
constexpr int kPerThread = 100'000;

void RunThreads(const std::function<void(int)>& body) {
  std::vector<std::thread> threads;
  std::atomic<bool> go{false};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      body(t);
    });
  }
  go = true;
  for (auto& th : threads) th.join();
}

TEST(ConcurrencyTest, CounterIncAndAddAreExact) {
  Registry r;
  Counter& c = r.AddCounter("c", "C.");
  RunThreads([&](int) {
    for (int i = 0; i < kPerThread; ++i) {
      c.Inc();
      c.Add(0.5);  // exactly representable, so the double sum is exact too
    }
  });
  EXPECT_EQ(c.Value(), kThreads * kPerThread * 1.5);
}

TEST(ConcurrencyTest, GaugeAddIsExact) {
  Registry r;
  Gauge& g = r.AddGauge("g", "G.");
  RunThreads([&](int t) {
    for (int i = 0; i < kPerThread; ++i) {
      if (t % 2 == 0) {
        g.Add(2);
      } else {
        g.Dec();
      }
    }
  });
  EXPECT_EQ(g.Value(), (kThreads / 2) * kPerThread * (2 - 1));
}

TEST(ConcurrencyTest, HistogramCountsEveryObservation) {
  Registry r;
  Histogram& h = r.AddHistogram("h", "H.", {1, 2, 3});
  RunThreads([&](int t) {
    for (int i = 0; i < kPerThread; ++i) h.Observe(t % 4 + 0.5);  // one bucket per t % 4
  });
  Histogram::Snapshot s = h.Read();
  EXPECT_EQ(s.count, static_cast<std::uint64_t>(kThreads) * kPerThread);
  for (std::uint64_t b : s.bucket_counts) {
    EXPECT_EQ(b, static_cast<std::uint64_t>(kThreads / 4) * kPerThread);
  }
  EXPECT_EQ(s.sum, (0.5 + 1.5 + 2.5 + 3.5) * (kThreads / 4) * kPerThread);
}

TEST(ConcurrencyTest, FamilyChildrenCreatedConcurrentlyAreShared) {
  Registry r;
  CounterFamily& f = r.AddCounterFamily("c", "C.", {"k"});
  constexpr int kKeys = 50;
  constexpr int kRounds = 2000;
  RunThreads([&](int) {
    for (int i = 0; i < kRounds; ++i) {
      std::string key = std::to_string(i % kKeys);
      f.WithLabelValues({key}).Inc();
    }
  });
  EXPECT_EQ(f.size(), static_cast<std::size_t>(kKeys));
  double total = 0;
  for (int k = 0; k < kKeys; ++k) {
    double v = f.WithLabelValues({std::to_string(k)}).Value();
    EXPECT_EQ(v, kThreads * kRounds / kKeys) << k;
    total += v;
  }
  EXPECT_EQ(total, kThreads * kRounds);
}

TEST(ConcurrencyTest, ScrapesWhileUpdatingAndRegistering) {
  Registry r;
  CounterFamily& f = r.AddCounterFamily("c", "C.", {"k"});
  Histogram& h = r.AddHistogram("h", "H.");
  std::atomic<int> scrapes{0};
  RunThreads([&](int t) {
    if (t == 0) {
      for (int i = 0; i < 200; ++i) {
        std::string text = r.WriteText();
        // _count always equals the +Inf bucket: both come from one reading of the buckets.
        auto value_after = [&](std::string_view prefix) {
          std::size_t pos = text.find(prefix);
          if (pos == std::string::npos) return std::string("missing");
          pos += prefix.size();
          return text.substr(pos, text.find('\n', pos) - pos);
        };
        EXPECT_EQ(value_after("h_bucket{le=\"+Inf\"} "), value_after("\nh_count "));
        ++scrapes;
      }
    } else if (t == 1) {
      for (int i = 0; i < 200; ++i) {
        std::string name = "f";  // not "f" + to_string(i): GCC 12 -Wrestrict false positive
        name += std::to_string(i);
        Registration reg = r.AddGaugeFunc(name, "F.", [] { return 1.0; });
      }
    } else {
      for (int i = 0; i < kPerThread / 10; ++i) {
        f.WithLabelValues({std::to_string(i % 100)}).Inc();
        h.Observe(i * 0.001);
      }
    }
  });
  EXPECT_EQ(scrapes.load(), 200);
  EXPECT_EQ(h.Read().count, static_cast<std::uint64_t>(kThreads - 2) * (kPerThread / 10));
}

}  // namespace
}  // namespace tsdbd::metrics
