#include "lib/metrics/histogram.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>

namespace tsdbd::metrics {
namespace {

Histogram Make(std::vector<double> bounds) {
  EXPECT_TRUE(ValidateBuckets(bounds));
  return Histogram(Histogram::Options{std::make_shared<const std::vector<double>>(bounds)});
}

TEST(HistogramTest, DefaultBucketsArePrometheusDefaults) {
  EXPECT_EQ(DefaultBuckets(),
            (std::vector<double>{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}));
}

TEST(HistogramTest, LinearAndExponentialBuckets) {
  EXPECT_EQ(LinearBuckets(1, 2, 3), (std::vector<double>{1, 3, 5}));
  EXPECT_EQ(ExponentialBuckets(1, 10, 4), (std::vector<double>{1, 10, 100, 1000}));
}

TEST(HistogramTest, ValueOnABoundCountsInThatBucket) {
  Histogram h = Make({1, 2, 5});
  h.Observe(1);    // le=1
  h.Observe(1.5);  // le=2
  h.Observe(2);    // le=2
  h.Observe(5);    // le=5
  h.Observe(6);    // +Inf
  h.Observe(-3);   // le=1
  Histogram::Snapshot s = h.Read();
  EXPECT_EQ(s.bucket_counts, (std::vector<std::uint64_t>{2, 2, 1, 1}));
  EXPECT_EQ(s.count, 6u);
  EXPECT_EQ(s.sum, 1 + 1.5 + 2 + 5 + 6 - 3);
}

TEST(HistogramTest, ManyBucketsUseTheSameRule) {
  // More than 16 bounds takes the binary search path; it must agree with the linear rule.
  std::vector<double> bounds = LinearBuckets(0, 1, 40);
  Histogram h = Make(bounds);
  for (int i = 0; i < 100; ++i) h.Observe(i * 0.5);
  Histogram::Snapshot s = h.Read();
  std::vector<std::uint64_t> expected(41, 0);
  for (int i = 0; i < 100; ++i) {
    double v = i * 0.5;
    std::size_t b = 0;
    while (b < bounds.size() && v > bounds[b]) ++b;
    ++expected[b];
  }
  EXPECT_EQ(s.bucket_counts, expected);
}

TEST(HistogramTest, NaNGoesToInfBucketAndPoisonsSum) {
  for (int n : {3, 40}) {
    Histogram h = Make(LinearBuckets(1, 1, n));
    h.Observe(std::nan(""));
    Histogram::Snapshot s = h.Read();
    EXPECT_EQ(s.bucket_counts.back(), 1u);
    EXPECT_EQ(s.count, 1u);
    EXPECT_TRUE(std::isnan(s.sum));
  }
}

TEST(HistogramTest, NoBoundsMeansOnlyTheInfBucket) {
  Histogram h = Make({});
  h.Observe(42);
  EXPECT_EQ(h.Read().bucket_counts, (std::vector<std::uint64_t>{1}));
}

TEST(HistogramTest, ValidateBuckets) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> b = {1, 2, inf};
  EXPECT_TRUE(ValidateBuckets(b));
  EXPECT_EQ(b, (std::vector<double>{1, 2}));
  std::vector<double> equal = {1, 1};
  EXPECT_FALSE(ValidateBuckets(equal));
  std::vector<double> decreasing = {2, 1};
  EXPECT_FALSE(ValidateBuckets(decreasing));
  std::vector<double> nan = {1, std::nan("")};
  EXPECT_FALSE(ValidateBuckets(nan));
  std::vector<double> negative = {-inf, -1, 0};
  EXPECT_TRUE(ValidateBuckets(negative));
}

}  // namespace
}  // namespace tsdbd::metrics
