#include "lib/model/time_format.h"

#include <gtest/gtest.h>

namespace tsdbd {
namespace {

SystemTime At(int64_t ns) {
  return SystemTime(std::chrono::duration_cast<SystemTime::duration>(std::chrono::nanoseconds(ns)));
}

TEST(TimeFormat, Rfc3339NanoDropsTrailingZeros) {
  EXPECT_EQ(FormatRfc3339Nano(At(0)), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339Nano(At(1'795'999'999'500'000'000)), "2026-11-30T00:53:19.5Z");
  EXPECT_EQ(FormatRfc3339Nano(At(1'000'000'001'000)), "1970-01-01T00:16:40.000001Z");
}

TEST(TimeFormat, Rfc3339AndMillis) {
  EXPECT_EQ(FormatRfc3339(At(1'795'999'999'500'000'000)), "2026-11-30T00:53:19Z");
  EXPECT_EQ(FormatRfc3339Millis(At(1'795'999'999'500'000'000)), "2026-11-30T00:53:19.500Z");
  EXPECT_EQ(FormatRfc3339Millis(At(-1'000'000)), "1969-12-31T23:59:59.999Z");
}

}  // namespace
}  // namespace tsdbd
