#include "lib/promql/functions/go_calendar.h"

#include <cmath>

namespace tsdbd::promql {

namespace {

constexpr uint64_t kSecondsPerDay = 86400;
constexpr uint64_t kSecondsPerWeek = 7 * kSecondsPerDay;
constexpr uint64_t kDaysPer400Years = 365 * 400 + 97;
constexpr uint64_t kDaysPer100Years = 365 * 100 + 24;
constexpr uint64_t kDaysPer4Years = 365 * 4 + 1;

// Go's calendar counts from January 1 of this year (a Monday; the year is 1 mod 400, so
// Gregorian 400-year cycles start on it).
constexpr int64_t kZeroYear = -292277022399;
// Seconds from that zero to the Unix epoch: Go's unixToInternal + internalToAbsolute,
// where internalToAbsolute is (1 - kZeroYear) years of 365.2425 days.
constexpr uint64_t kUnixToAbsolute = 62135596800ull + 292277022400ull * 31556952ull;

// Days before each month in a non-leap year; [12] is the whole year.
constexpr int kDaysBefore[13] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365};

bool IsLeap(int64_t year) {
  return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

struct Date {
  int64_t year;
  int month;  // 1..12
  int day;    // 1..31
  int yday;   // 0..365
};

// The date of `abs` seconds since the zero year (wrapped arithmetic included).
Date AbsDate(uint64_t abs) {
  uint64_t d = abs / kSecondsPerDay;
  const uint64_t n400 = d / kDaysPer400Years;
  d -= n400 * kDaysPer400Years;
  uint64_t n100 = d / kDaysPer100Years;
  if (n100 == 4) n100 = 3;  // the last day of a 400-year cycle's leap year
  d -= n100 * kDaysPer100Years;
  const uint64_t n4 = d / kDaysPer4Years;
  d -= n4 * kDaysPer4Years;
  uint64_t n1 = d / 365;
  if (n1 == 4) n1 = 3;  // the last day of a 4-year cycle's leap year
  d -= n1 * 365;
  Date out;
  out.year = kZeroYear + static_cast<int64_t>(400 * n400 + 100 * n100 + 4 * n4 + n1);
  out.yday = static_cast<int>(d);
  const bool leap = IsLeap(out.year);
  int m = 0;
  while (m < 11 && out.yday >= kDaysBefore[m + 1] + (leap && m + 1 >= 2 ? 1 : 0)) ++m;
  out.month = m + 1;
  out.day = out.yday - kDaysBefore[m] - (leap && m >= 2 ? 1 : 0) + 1;
  return out;
}

// Days from the zero year to January 1 of `year` (>= kZeroYear).
uint64_t DaysBeforeYear(int64_t year) {
  const uint64_t y = static_cast<uint64_t>(year - kZeroYear);
  return y / 400 * kDaysPer400Years + y % 400 / 100 * kDaysPer100Years +
         y % 100 / 4 * kDaysPer4Years + y % 4 * 365;
}

}  // namespace

int64_t GoFloatToInt64(double v) {
  // 2^63 is exact as a double; NaN fails both comparisons.
  if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0)) return INT64_MIN;
  return static_cast<int64_t>(v);
}

GoCivilTime GoUnixUTC(int64_t secs) {
  // Go's Time adds the offsets to an int64 that may overflow; modulo 2^64 it is the same.
  const uint64_t abs = static_cast<uint64_t>(secs) + kUnixToAbsolute;
  const Date d = AbsDate(abs);
  GoCivilTime t;
  t.year = d.year;
  t.month = d.month;
  t.day = d.day;
  t.year_day = d.yday + 1;
  t.weekday = static_cast<int>((abs + kSecondsPerDay) % kSecondsPerWeek / kSecondsPerDay);
  t.hour = static_cast<int>(abs % kSecondsPerDay / 3600);
  t.minute = static_cast<int>(abs % 3600 / 60);
  // days_in_month is 32 minus the day of the 32nd of the month after normalization. Near
  // the calendar's end that date wraps around to the zero year, as in Go.
  const uint64_t day32 = DaysBeforeYear(d.year) + kDaysBefore[d.month - 1] +
                         (IsLeap(d.year) && d.month >= 3 ? 1 : 0) + 31;
  t.days_in_month = 32 - AbsDate(day32 * kSecondsPerDay).day;
  return t;
}

}  // namespace tsdbd::promql
