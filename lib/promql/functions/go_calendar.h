// The calendar Prometheus's date functions (year, month, day_of_month, ...) compute with:
// Go's int64(float) conversion followed by time.Unix(s, 0).UTC(). Both have edge cases that
// show in query results and that C's gmtime does not share:
//  - int64(v) of NaN, ±Inf and values outside int64's range is math.MinInt64 on amd64;
//  - Go's calendar counts seconds from the year -292277022399 in a uint64 that wraps, so
//    every int64 maps to a date (MinInt64 is 292277026596-12-04 15:30:08 UTC) and seconds
//    near the ends of int64 wrap around the calendar instead of failing.
#pragma once

#include <cstdint>

namespace tsdbd::promql {

// Go's int64(v) on amd64: truncation toward zero, and math.MinInt64 for NaN, ±Inf and
// every value outside [-2^63, 2^63).
int64_t GoFloatToInt64(double v);

// The UTC calendar fields of a Unix time as Go's time package reports them.
struct GoCivilTime {
  int64_t year = 0;
  int month = 0;          // 1..12
  int day = 0;            // day of the month, 1..31
  int year_day = 0;       // 1..366
  int weekday = 0;        // 0 (Sunday)..6
  int hour = 0;           // 0..23
  int minute = 0;         // 0..59
  int days_in_month = 0;  // 32 - time.Date(year, month, 32, ...).Day()
};

// time.Unix(secs, 0).UTC() broken down into its calendar fields; total for every int64.
GoCivilTime GoUnixUTC(int64_t secs);

}  // namespace tsdbd::promql
