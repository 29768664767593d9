// Summary: quantiles over a sliding window of observations, all-time _sum and _count, the
// Go client's text exposition, and misuse.
#include "lib/metrics/summary.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <thread>
#include <vector>

#include "lib/metrics/registry.h"
#include "tests/testing/process.h"

namespace tsdbd::metrics {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using Clock = Summary::Clock;

Summary::Options MakeOptions(std::vector<double> quantiles, std::size_t max_per_bucket = 8192) {
  Summary::Options o;
  o.quantiles = std::make_shared<const std::vector<double>>(std::move(quantiles));
  o.max_per_bucket = max_per_bucket;
  return o;
}

TEST(SummaryTest, EmptyWindowGivesNaNQuantilesAndZeroSumAndCount) {
  Summary s(MakeOptions({0.5, 0.99}));
  Summary::Snapshot snap = s.Read();
  ASSERT_EQ(snap.values.size(), 2u);
  EXPECT_TRUE(std::isnan(snap.values[0]));
  EXPECT_TRUE(std::isnan(snap.values[1]));
  EXPECT_EQ(snap.sum, 0);
  EXPECT_EQ(snap.count, 0u);
}

TEST(SummaryTest, NearestRankQuantilesAreExact) {
  Summary s(MakeOptions({0, 0.01, 0.05, 0.5, 0.9, 0.99, 1}));
  // 100 .. 1 in reverse order: the order of observation does not matter.
  for (int v = 100; v >= 1; --v) s.Observe(v);
  Summary::Snapshot snap = s.Read();
  EXPECT_EQ(snap.values, (std::vector<double>{1, 1, 5, 50, 90, 99, 100}));
  EXPECT_EQ(snap.sum, 5050);
  EXPECT_EQ(snap.count, 100u);
}

TEST(SummaryTest, OneObservationIsEveryQuantile) {
  Summary s(MakeOptions({0.01, 0.05, 0.5, 0.9, 0.99}));
  s.Observe(15.000243);
  EXPECT_EQ(s.Read().values, std::vector<double>(5, 15.000243));
}

TEST(SummaryTest, SmallCountsRoundTheRankUp) {
  Summary s(MakeOptions({0.1, 0.5, 0.51, 0.9}));
  for (double v : {3.0, 1.0, 2.0, 4.0}) s.Observe(v);
  // ranks: ceil(0.4) = 1, ceil(2) = 2, ceil(2.04) = 3, ceil(3.6) = 4
  EXPECT_EQ(s.Read().values, (std::vector<double>{1, 2, 3, 4}));
}

TEST(SummaryTest, ObservationsLeaveTheWindowAfterMaxAgeButStayInSumAndCount) {
  // 10 minutes in 5 buckets of 2 minutes (the defaults).
  Summary s(MakeOptions({0.5}));
  const Clock::time_point t0 = Clock::now();
  s.ObserveAt(1, t0);
  s.ObserveAt(100, t0 + minutes(4) + seconds(30));    // third bucket
  EXPECT_EQ(s.ReadAt(t0 + minutes(5)).values[0], 1);  // {1, 100}: the lower middle
  // The first bucket leaves the window when the sixth begins, at 10 minutes and a bit
  // (t0 is a little after the start of the first bucket).
  EXPECT_EQ(s.ReadAt(t0 + minutes(9) + seconds(50)).values[0], 1);
  EXPECT_EQ(s.ReadAt(t0 + minutes(10) + seconds(10)).values[0], 100);
  EXPECT_TRUE(std::isnan(s.ReadAt(t0 + minutes(15)).values[0]));
  Summary::Snapshot late = s.ReadAt(t0 + minutes(15));
  EXPECT_EQ(late.sum, 101);
  EXPECT_EQ(late.count, 2u);
}

TEST(SummaryTest, ABucketReusedAfterAFullTurnStartsEmpty) {
  Summary s(MakeOptions({1}));
  const Clock::time_point t0 = Clock::now();
  s.ObserveAt(1000, t0);
  // 10 minutes later the same ring slot holds a new bucket: the old value is gone.
  s.ObserveAt(5, t0 + minutes(10) + seconds(1));
  EXPECT_EQ(s.ReadAt(t0 + minutes(10) + seconds(2)).values[0], 5);
  EXPECT_EQ(s.ReadAt(t0 + minutes(10) + seconds(2)).count, 2u);
}

TEST(SummaryTest, CustomMaxAgeAndAgeBuckets) {
  Summary::Options o = MakeOptions({0.5});
  o.max_age = seconds(10);
  o.age_buckets = 2;
  Summary s(o);
  const Clock::time_point t0 = Clock::now();
  s.ObserveAt(7, t0);
  EXPECT_EQ(s.ReadAt(t0 + seconds(9)).values[0], 7);
  EXPECT_TRUE(std::isnan(s.ReadAt(t0 + seconds(11)).values[0]));
}

TEST(SummaryTest, NaNSortsAboveNumbersAndMakesTheSumNaN) {
  Summary s(MakeOptions({0.5, 1}));
  s.Observe(std::numeric_limits<double>::quiet_NaN());
  s.Observe(1);
  s.Observe(2);
  Summary::Snapshot snap = s.Read();
  EXPECT_EQ(snap.values[0], 2);
  EXPECT_TRUE(std::isnan(snap.values[1]));
  EXPECT_TRUE(std::isnan(snap.sum));
  EXPECT_EQ(snap.count, 3u);
}

TEST(SummaryTest, InfinitiesAreOrdinaryValues) {
  Summary s(MakeOptions({0, 1}));
  s.Observe(std::numeric_limits<double>::infinity());
  s.Observe(-std::numeric_limits<double>::infinity());
  s.Observe(0);
  Summary::Snapshot snap = s.Read();
  EXPECT_EQ(snap.values[0], -std::numeric_limits<double>::infinity());
  EXPECT_EQ(snap.values[1], std::numeric_limits<double>::infinity());
}

TEST(SummaryTest, FullBucketKeepsAUniformSampleWithinAFewPercent) {
  Summary s(MakeOptions({0.01, 0.5, 0.9, 0.99}, 1000));
  // 0 .. 99999 in a scrambled order (a step coprime with 100000).
  for (std::uint64_t i = 0; i < 100000; ++i) s.Observe(static_cast<double>((i * 7919) % 100000));
  Summary::Snapshot snap = s.Read();
  EXPECT_EQ(snap.count, 100000u);
  EXPECT_EQ(snap.sum, 99999.0 * 100000 / 2);
  // A sample of 1000 puts a quantile's rank within about 3 standard deviations
  // (sqrt(q(1-q)/1000) <= 1.6%) of the truth; 5% is far outside chance.
  EXPECT_NEAR(snap.values[0], 1000, 5000);
  EXPECT_NEAR(snap.values[1], 50000, 5000);
  EXPECT_NEAR(snap.values[2], 90000, 5000);
  EXPECT_NEAR(snap.values[3], 99000, 5000);
}

TEST(SummaryTest, SampledBucketsWeighByWhatTheyStandFor) {
  // Bucket 1: 10000 observations of 1, sampled down to 100. Bucket 2: 100 of 2, all kept.
  // Unweighted, 2 would be the median; weighted it is under 1% of the window.
  Summary s(MakeOptions({0.5, 0.98, 0.995}, 100));
  const Clock::time_point t0 = Clock::now();
  for (int i = 0; i < 10000; ++i) s.ObserveAt(1, t0);
  for (int i = 0; i < 100; ++i) s.ObserveAt(2, t0 + minutes(3));
  Summary::Snapshot snap = s.ReadAt(t0 + minutes(4));
  EXPECT_EQ(snap.values, (std::vector<double>{1, 1, 2}));
  EXPECT_EQ(snap.count, 10100u);
}

TEST(SummaryTest, ConcurrentObserveAndReadLoseNothing) {
  Summary s(MakeOptions({0.5}, 1 << 20));
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20000;
  std::atomic<bool> done{false};
  std::thread reader([&] {
    for (int i = 0; i < 1000 && !done.load(); ++i) {
      Summary::Snapshot snap = s.Read();
      if (snap.count > 0) {
        EXPECT_GE(snap.values[0], 0);
        EXPECT_LE(snap.values[0], 1);
      }
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) s.Observe(t % 2);
    });
  }
  for (std::thread& w : writers) w.join();
  done = true;
  reader.join();
  Summary::Snapshot snap = s.Read();
  EXPECT_EQ(snap.count, static_cast<std::uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(snap.sum, kThreads / 2 * kPerThread);
}

TEST(SummaryTest, ValidateQuantiles) {
  EXPECT_TRUE(ValidateQuantiles({}));
  EXPECT_TRUE(ValidateQuantiles({0, 0.5, 1}));
  EXPECT_FALSE(ValidateQuantiles({0.5, 0.5}));
  EXPECT_FALSE(ValidateQuantiles({0.9, 0.5}));
  EXPECT_FALSE(ValidateQuantiles({-0.1}));
  EXPECT_FALSE(ValidateQuantiles({1.01}));
  EXPECT_FALSE(ValidateQuantiles({std::numeric_limits<double>::quiet_NaN()}));
}

// The shape of Prometheus 2.42's own /metrics for this family, observed with one scrape:
//   prometheus_target_interval_length_seconds{interval="1s",quantile="0.01"} 1.000243615
//   ... quantiles 0.05 0.5 0.9 0.99 ..., then _sum{interval="1s"} and _count{interval="1s"}.
TEST(SummaryRegistryTest, TextExpositionMatchesTheGoClient) {
  Registry r;
  SummaryFamily& f = r.AddSummaryFamily("prometheus_target_interval_length_seconds",
                                        "Actual intervals between scrapes.", {"interval"},
                                        {0.01, 0.05, 0.5, 0.9, 0.99});
  f.WithLabelValues({"1s"}).Observe(1.000243615);
  f.WithLabelValues({"15s"});  // never observed: NaN quantiles
  EXPECT_EQ(r.WriteText(),
            "# HELP prometheus_target_interval_length_seconds Actual intervals between scrapes.\n"
            "# TYPE prometheus_target_interval_length_seconds summary\n"
            "prometheus_target_interval_length_seconds{interval=\"15s\",quantile=\"0.01\"} NaN\n"
            "prometheus_target_interval_length_seconds{interval=\"15s\",quantile=\"0.05\"} NaN\n"
            "prometheus_target_interval_length_seconds{interval=\"15s\",quantile=\"0.5\"} NaN\n"
            "prometheus_target_interval_length_seconds{interval=\"15s\",quantile=\"0.9\"} NaN\n"
            "prometheus_target_interval_length_seconds{interval=\"15s\",quantile=\"0.99\"} NaN\n"
            "prometheus_target_interval_length_seconds_sum{interval=\"15s\"} 0\n"
            "prometheus_target_interval_length_seconds_count{interval=\"15s\"} 0\n"
            "prometheus_target_interval_length_seconds{interval=\"1s\",quantile=\"0.01\"} "
            "1.000243615\n"
            "prometheus_target_interval_length_seconds{interval=\"1s\",quantile=\"0.05\"} "
            "1.000243615\n"
            "prometheus_target_interval_length_seconds{interval=\"1s\",quantile=\"0.5\"} "
            "1.000243615\n"
            "prometheus_target_interval_length_seconds{interval=\"1s\",quantile=\"0.9\"} "
            "1.000243615\n"
            "prometheus_target_interval_length_seconds{interval=\"1s\",quantile=\"0.99\"} "
            "1.000243615\n"
            "prometheus_target_interval_length_seconds_sum{interval=\"1s\"} 1.000243615\n"
            "prometheus_target_interval_length_seconds_count{interval=\"1s\"} 1\n");
}

TEST(SummaryRegistryTest, UnlabelledSummary) {
  Registry r;
  Summary& s = r.AddSummary("tsdbd_test_latency_seconds", "Latency.", {0.5});
  s.Observe(0.25);
  s.Observe(2e6);
  EXPECT_EQ(r.WriteText(),
            "# HELP tsdbd_test_latency_seconds Latency.\n"
            "# TYPE tsdbd_test_latency_seconds summary\n"
            "tsdbd_test_latency_seconds{quantile=\"0.5\"} 0.25\n"
            "tsdbd_test_latency_seconds_sum 2.00000025e+06\n"
            "tsdbd_test_latency_seconds_count 2\n");
}

TEST(SummaryRegistryTest, PromtoolAcceptsTheExposition) {
  if (!testing::HaveProgram("promtool")) GTEST_SKIP() << "promtool not installed";
  Registry r;
  SummaryFamily& f =
      r.AddSummaryFamily("tsdbd_test_interval_seconds", "Intervals.", {"interval"}, {0.5, 0.9});
  f.WithLabelValues({"15s"}).Observe(15.01);
  f.WithLabelValues({"1m"});
  testing::TempDir dir;
  const std::string file = dir.WriteFile("metrics.txt", r.WriteText());
  testing::RunResult run = testing::Run({"sh", "-c", "promtool check metrics < " + file});
  EXPECT_EQ(run.exit_code, 0) << run.output;
}

using SummaryDeathTest = ::testing::Test;

TEST(SummaryDeathTest, MisuseIsAProgrammingError) {
  EXPECT_DEATH(
      {
        Registry r;
        r.AddSummaryFamily("tsdbd_test_s", "h", {"quantile"}, {0.5});
      },
      "invalid label name \"quantile\"");
  EXPECT_DEATH(
      {
        Registry r;
        r.AddSummary("tsdbd_test_s", "h", {0.9, 0.5});
      },
      "summary quantiles");
  EXPECT_DEATH(
      {
        Registry r;
        r.AddSummary("tsdbd_test_s", "h", {1.5});
      },
      "summary quantiles");
  EXPECT_DEATH(
      {
        Registry r;
        r.AddSummary("tsdbd_test_s", "h", {0.5}, seconds(0));
      },
      "max age");
  EXPECT_DEATH(
      {
        Registry r;
        r.AddSummary("tsdbd_test_s", "h", {0.5}, seconds(60), 0);
      },
      "age buckets");
  EXPECT_DEATH(
      {
        Registry r;
        r.AddCounter("tsdbd_test_s", "h");
        r.AddSummary("tsdbd_test_s", "h", {0.5});
      },
      "duplicate metric name");
}

TEST(SummaryDeathTest, CollectorsCannotWriteSummaries) {
  EXPECT_DEATH(
      {
        Registry r;
        Registration reg = r.AddCollector({"tsdbd_test_c"}, [](CollectorWriter& w) {
          w.BeginFamily("tsdbd_test_c", "h", MetricType::kSummary);
        });
        r.WriteText();
      },
      "summary not supported");
}

}  // namespace
}  // namespace tsdbd::metrics
