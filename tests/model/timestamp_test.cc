#include "lib/model/timestamp.h"

#include <gtest/gtest.h>

namespace tsdbd {
namespace {

using std::chrono::system_clock;

TEST(TimestampMs, MillisecondsSinceTheEpoch) {
  EXPECT_EQ(TimestampMs(system_clock::time_point{}), 0);
  EXPECT_EQ(TimestampMs(system_clock::time_point{std::chrono::seconds(1700000000)}), 1700000000000);
  // Sub-millisecond parts are dropped, toward zero on both sides of the epoch.
  EXPECT_EQ(TimestampMs(system_clock::time_point{std::chrono::microseconds(1999)}), 1);
  EXPECT_EQ(TimestampMs(system_clock::time_point{std::chrono::microseconds(-1999)}), -1);
}

TEST(NowTimestampMs, IsTheWallClock) {
  const int64_t before = TimestampMs(system_clock::now());
  const int64_t now = NowTimestampMs();
  const int64_t after = TimestampMs(system_clock::now());
  EXPECT_LE(before, now);
  EXPECT_LE(now, after);
}

}  // namespace
}  // namespace tsdbd
