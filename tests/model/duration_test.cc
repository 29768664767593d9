#include "lib/model/duration.h"

#include <gtest/gtest.h>

namespace tsdbd {
namespace {

using namespace std::chrono_literals;

TEST(ParseDuration, AcceptsPrometheusSyntax) {
  EXPECT_EQ(*ParseDuration("0"), 0ms);
  EXPECT_EQ(*ParseDuration("0s"), 0ms);
  EXPECT_EQ(*ParseDuration("15s"), 15s);
  EXPECT_EQ(*ParseDuration("500ms"), 500ms);
  EXPECT_EQ(*ParseDuration("5m"), 5min);
  EXPECT_EQ(*ParseDuration("1d12h"), 36h);
  EXPECT_EQ(*ParseDuration("1y"), 365 * 24h);
  EXPECT_EQ(*ParseDuration("2w"), 14 * 24h);
  EXPECT_EQ(*ParseDuration("1h30m"), 90min);
  EXPECT_EQ(*ParseDuration("1m30ms"), 60030ms);
  EXPECT_EQ(*ParseDuration("1y2w3d4h5m6s7ms"),
            365 * 24h + 14 * 24h + 3 * 24h + 4h + 5min + 6s + 7ms);
  EXPECT_EQ(*ParseDuration("010s"), 10s);
}

TEST(ParseDuration, RejectsWhatPrometheusRejects) {
  for (const char* bad : {"", "1", "s", "1x", "1.5h", "-1s", "1s1h", "1h1h", "1 h", "1H", "h1",
                          "1ms1s", "1y1y", " 1s", "1s "}) {
    auto r = ParseDuration(bad);
    EXPECT_FALSE(r.ok()) << bad;
  }
  EXPECT_EQ(ParseDuration("1x").error().message(), "not a valid duration string: \"1x\"");
  EXPECT_EQ(ParseDuration("").error().message(), "empty duration string");
}

TEST(ParseDuration, RejectsOverflow) {
  EXPECT_TRUE(ParseDuration("292y").ok());
  EXPECT_FALSE(ParseDuration("293y").ok());
  EXPECT_FALSE(ParseDuration("99999999999999999999s").ok());
}

TEST(FormatDuration, LargestUnitsFirstYearsAndWeeksOnlyWhenExact) {
  EXPECT_EQ(FormatDuration(0ms), "0s");
  EXPECT_EQ(FormatDuration(15s), "15s");
  EXPECT_EQ(FormatDuration(2min), "2m");
  EXPECT_EQ(FormatDuration(90min), "1h30m");
  EXPECT_EQ(FormatDuration(36h), "1d12h");
  EXPECT_EQ(FormatDuration(15 * 24h), "15d");
  EXPECT_EQ(FormatDuration(14 * 24h), "2w");
  EXPECT_EQ(FormatDuration(30 * 24h), "30d");
  EXPECT_EQ(FormatDuration(365 * 24h), "1y");
  EXPECT_EQ(FormatDuration(366 * 24h), "366d");
  EXPECT_EQ(FormatDuration(1500ms), "1s500ms");
}

TEST(FormatDuration, RoundTripsThroughParse) {
  for (Duration d : std::initializer_list<Duration>{1ms, 999ms, 1s, 61s, 3601s, 86401s, 7 * 24h,
                                                    8 * 24h + 1ms}) {
    EXPECT_EQ(*ParseDuration(FormatDuration(d)), d) << FormatDuration(d);
  }
}

}  // namespace
}  // namespace tsdbd
