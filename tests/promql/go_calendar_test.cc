// The date functions' calendar (lib/promql/functions/go_calendar.h) against answers of
// Prometheus 2.42 (/api/v1/query of year(vector(v)), month(...), ... at time 0): ordinary
// dates, the proleptic Gregorian calendar before year 1, NaN and infinities, values beyond
// int64's range, and seconds near the ends of int64 where Go's calendar wraps around.
#include "lib/promql/functions/go_calendar.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>

namespace tsdbd::promql {
namespace {

TEST(GoFloatToInt64, TruncatesInRange) {
  EXPECT_EQ(GoFloatToInt64(0.0), 0);
  EXPECT_EQ(GoFloatToInt64(1.9), 1);
  EXPECT_EQ(GoFloatToInt64(-1.9), -1);
  EXPECT_EQ(GoFloatToInt64(-0.5), 0);
  EXPECT_EQ(GoFloatToInt64(9.223372036854775e18), 9223372036854774784);
  EXPECT_EQ(GoFloatToInt64(-9223372036854775808.0), INT64_MIN);
}

TEST(GoFloatToInt64, NonFiniteAndOutOfRangeAreMinInt64) {
  EXPECT_EQ(GoFloatToInt64(NAN), INT64_MIN);
  EXPECT_EQ(GoFloatToInt64(-NAN), INT64_MIN);
  EXPECT_EQ(GoFloatToInt64(INFINITY), INT64_MIN);
  EXPECT_EQ(GoFloatToInt64(-INFINITY), INT64_MIN);
  EXPECT_EQ(GoFloatToInt64(9223372036854775808.0), INT64_MIN);  // 2^63
  EXPECT_EQ(GoFloatToInt64(1e300), INT64_MIN);
  EXPECT_EQ(GoFloatToInt64(-1e300), INT64_MIN);
  EXPECT_EQ(GoFloatToInt64(-9223372036854777856.0), INT64_MIN);  // below -2^63
}

struct Observed {
  double v;  // the date function's argument (Unix seconds)
  int64_t year;
  int month, day_of_month, day_of_year, day_of_week, days_in_month, hour, minute;
};

// Prometheus 2.42's answers.
const Observed kObserved[] = {
    {NAN, 292277026596, 12, 4, 339, 0, 31, 15, 30},
    {INFINITY, 292277026596, 12, 4, 339, 0, 31, 15, 30},
    {-INFINITY, 292277026596, 12, 4, 339, 0, 31, 15, 30},
    {1e300, 292277026596, 12, 4, 339, 0, 31, 15, 30},
    {-1e300, 292277026596, 12, 4, 339, 0, 31, 15, 30},
    {9.2e18, 291536396232, 8, 31, 244, 5, 31, 11, 33},
    {9.223372036854775e18, 292277026596, 12, 4, 339, 0, 31, 15, 13},
    {-9.2e18, -291536392293, 5, 3, 123, 2, 31, 12, 26},
    {-9.223372036854775e18, 292277026596, 12, 4, 339, 0, 31, 15, 47},
    {9.22337e18, 292276962051, 7, 27, 208, 4, 31, 14, 13},
    {1e18, 31688740476, 10, 23, 297, 5, 31, 1, 46},
    {-1e18, -31688736537, 3, 10, 69, 2, 31, 22, 13},
    {-62135596800.0, 1, 1, 1, 1, 1, 31, 0, 0},
    {-62135596801.0, 0, 12, 31, 366, 0, 31, 23, 59},
    {253402300800.0, 10000, 1, 1, 1, 6, 31, 0, 0},
    {1e15, 31690708, 7, 5, 187, 0, 31, 1, 46},
    {-1e15, -31686769, 6, 29, 180, 0, 30, 22, 13},
    {0.0, 1970, 1, 1, 1, 4, 31, 0, 0},
    {-1.0, 1969, 12, 31, 365, 3, 31, 23, 59},
    {1.5, 1970, 1, 1, 1, 4, 31, 0, 0},
    {-1.5, 1969, 12, 31, 365, 3, 31, 23, 59},
    {951782400.0, 2000, 2, 29, 60, 2, 29, 0, 0},
    {4107542400.0, 2100, 3, 1, 60, 1, 31, 0, 0},
    {-5e17, -15844367284, 8, 5, 218, 6, 31, 23, 6},
    {5e17, 15844371223, 5, 29, 149, 1, 31, 0, 53},
    {9.2233720286e18, 292277026335, 5, 7, 127, 2, 31, 6, 21},
    {9.22337202872e18, 292277026339, 2, 24, 55, 5, 28, 3, 33},
    {9.2233720287e18, 292277026338, 7, 7, 188, 4, 31, 16, 4},
    {-9.223372028715321e+18, -292277022399, 1, 1, 1, 1, 31, 0, 4},
    {-9.223372028715408e+18, 292277026854, 11, 8, 312, 0, 9, 6, 53},
    {-9.22337202871558e+18, 292277026854, 11, 6, 310, 5, 9, 7, 6},
    {-9.223372028718777e+18, 292277026854, 9, 30, 273, 3, 30, 7, 4},
    {-9.223372028715321e+18, -292277022399, 1, 1, 1, 1, 31, 0, 4},
    {-9.223372028714889e+18, -292277022399, 1, 6, 6, 6, 31, 0, 6},
    {-9.223372028723962e+18, 292277026854, 8, 1, 213, 6, 31, 6, 56},
    {-9.223372029661402e+18, 292277026824, 11, 16, 321, 6, 30, 6, 51},
    {9.2233720368547e18, 292277026596, 12, 3, 338, 6, 31, 18, 27},
    {-9.2233720368547e18, 292277026596, 12, 5, 340, 1, 31, 12, 33},
};

TEST(GoUnixUTC, MatchesPrometheus) {
  for (const Observed& o : kObserved) {
    SCOPED_TRACE(testing::Message() << "v=" << o.v);
    const GoCivilTime t = GoUnixUTC(GoFloatToInt64(o.v));
    EXPECT_EQ(t.year, o.year);
    EXPECT_EQ(t.month, o.month);
    EXPECT_EQ(t.day, o.day_of_month);
    EXPECT_EQ(t.year_day, o.day_of_year);
    EXPECT_EQ(t.weekday, o.day_of_week);
    EXPECT_EQ(t.days_in_month, o.days_in_month);
    EXPECT_EQ(t.hour, o.hour);
    EXPECT_EQ(t.minute, o.minute);
  }
}

// Every day of a leap and a non-leap year, against the civil calendar: months, days and
// weekdays advance one day at a time and days_in_month is the month's length.
TEST(GoUnixUTC, WalksYearsDayByDay) {
  for (int64_t year : {2000, 2023, 1900}) {
    const int64_t start = year == 2000 ? 946684800 : year == 2023 ? 1672531200 : -2208988800;
    const int expected_weekday = year == 2000 ? 6 : year == 2023 ? 0 : 1;
    const bool leap = year == 2000;
    const int kLen[] = {31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int month = 1, day = 1;
    for (int yday = 1; yday <= (leap ? 366 : 365); ++yday) {
      SCOPED_TRACE(testing::Message() << year << " day " << yday);
      const GoCivilTime t = GoUnixUTC(start + (yday - 1) * 86400 + 3723);
      ASSERT_EQ(t.year, year);
      ASSERT_EQ(t.month, month);
      ASSERT_EQ(t.day, day);
      ASSERT_EQ(t.year_day, yday);
      ASSERT_EQ(t.weekday, (expected_weekday + yday - 1) % 7);
      ASSERT_EQ(t.days_in_month, kLen[month - 1]);
      ASSERT_EQ(t.hour, 1);
      ASSERT_EQ(t.minute, 2);
      if (++day > kLen[month - 1]) {
        day = 1;
        ++month;
      }
    }
  }
}

// The calendar is total: the ends of int64 give dates in the last year it counts to.
TEST(GoUnixUTC, EndsOfInt64) {
  const GoCivilTime lo = GoUnixUTC(INT64_MIN);
  EXPECT_EQ(lo.year, 292277026596);
  EXPECT_EQ(lo.month, 12);
  EXPECT_EQ(lo.day, 4);
  EXPECT_EQ(lo.hour, 15);
  EXPECT_EQ(lo.minute, 30);
  const GoCivilTime hi = GoUnixUTC(INT64_MAX);
  EXPECT_EQ(hi.year, 292277026596);
  EXPECT_EQ(hi.month, 12);
  EXPECT_EQ(hi.day, 4);
  EXPECT_EQ(hi.hour, 15);
  EXPECT_EQ(hi.minute, 30);
}

}  // namespace
}  // namespace tsdbd::promql
