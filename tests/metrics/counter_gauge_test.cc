#include <gtest/gtest.h>

#include <chrono>
#include <cmath>

#include "lib/metrics/counter.h"
#include "lib/metrics/gauge.h"

namespace tsdbd::metrics {
namespace {

TEST(CounterTest, StartsAtZeroAndIncrements) {
  Counter c;
  EXPECT_EQ(c.Value(), 0);
  c.Inc();
  c.Inc();
  EXPECT_EQ(c.Value(), 2);
}

TEST(CounterTest, AddsIntegralAndFractionalAmounts) {
  Counter c;
  c.Add(3);
  c.Add(0.5);
  c.Add(0.25);
  c.Inc();
  EXPECT_EQ(c.Value(), 4.75);
  c.Add(1e300);  // beyond 2^53: kept in the double part
  EXPECT_EQ(c.Value(), 1e300);
}

TEST(CounterTest, AddingZeroChangesNothing) {
  Counter c;
  c.Add(0);
  EXPECT_EQ(c.Value(), 0);
}

#ifdef NDEBUG
TEST(CounterTest, NegativeAndNaNAddsAreIgnoredInRelease) {
  Counter c;
  c.Add(2);
  c.Add(-1);
  c.Add(std::nan(""));
  EXPECT_EQ(c.Value(), 2);
}
#endif

TEST(GaugeTest, SetIncDecAddSub) {
  Gauge g;
  EXPECT_EQ(g.Value(), 0);
  g.Set(10);
  g.Inc();
  g.Dec();
  g.Dec();
  EXPECT_EQ(g.Value(), 9);
  g.Add(0.5);
  g.Sub(10);
  EXPECT_EQ(g.Value(), -0.5);
  g.Set(-std::numeric_limits<double>::infinity());
  EXPECT_EQ(g.Value(), -std::numeric_limits<double>::infinity());
}

TEST(GaugeTest, SetToCurrentTimeIsSecondsSinceEpoch) {
  Gauge g;
  auto before = std::chrono::system_clock::now();
  g.SetToCurrentTime();
  auto after = std::chrono::system_clock::now();
  EXPECT_GE(g.Value(), std::chrono::duration<double>(before.time_since_epoch()).count() - 1e-3);
  EXPECT_LE(g.Value(), std::chrono::duration<double>(after.time_since_epoch()).count() + 1e-3);
  // It is seconds, not milliseconds: somewhere after 2020 and before 2100.
  EXPECT_GT(g.Value(), 1.5e9);
  EXPECT_LT(g.Value(), 4.1e9);
}

}  // namespace
}  // namespace tsdbd::metrics
