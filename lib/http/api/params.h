// Request parameters of the Prometheus HTTP API: times, durations, match[] selectors.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/http/request.h"
#include "lib/model/matcher.h"
#include "lib/model/result.h"

namespace tsdbd::http::api {

// A time the API was given, held as Go's time.Time holds it: seconds and nanoseconds since
// the epoch, 0 <= nsec < 1e9 (seconds wrap around int64 as Go's do). Prometheus turns it into
// milliseconds in two ways, which differ only where they overflow, centuries from now.
struct ApiTime {
  int64_t sec = 0;
  int64_t nsec = 0;

  // Go's time.Unix(sec, nsec): nanoseconds outside [0, 1e9) are carried into the seconds.
  static ApiTime Unix(int64_t sec, int64_t nsec);
  // UnixNano() / 1e6: the time PromQL evaluates at (wraps around past the year 2262).
  int64_t EngineMillis() const;
  // Unix() * 1000 + Nanosecond() / 1e6: the time storage is asked for (series, labels,
  // exemplars, deletion).
  int64_t StorageMillis() const;
  // Go's Time.Sub in nanoseconds: clamped to int64's range.
  friend int64_t SubNanos(const ApiTime& a, const ApiTime& b);
  friend auto operator<=>(const ApiTime&, const ApiTime&) = default;
};

// Prometheus's minTime and maxTime (the defaults of start and end), and their milliseconds.
inline constexpr ApiTime kMinTime{-9223309901257974, 0};
inline constexpr ApiTime kMaxTime{9223309901257974, 999'999'999};
inline constexpr int64_t kMinTimeMs = -9223309901257974000;
inline constexpr int64_t kMaxTimeMs = 9223309901257974999;

// A timestamp as unix seconds with an optional fraction (rounded to milliseconds) or
// RFC 3339; Prometheus's minTime/maxTime in RFC 3339 too, all converted as Go converts them.
// Errors read as Prometheus's ("cannot parse \"x\" to a valid timestamp").
Result<ApiTime> ParseTime(std::string_view text);

// A duration as float seconds or a Prometheus duration ("5m"), in nanoseconds (Go's
// time.Duration).
Result<int64_t> ParseDurationParam(std::string_view text);

// The time parameter `name` (in storage's milliseconds), or `fallback` when absent or empty.
// Errors are wrapped as Prometheus wraps them: invalid parameter "start": cannot parse ...
Result<int64_t> TimeParam(const Request& request, std::string_view name, int64_t fallback);
// The same for PromQL's milliseconds.
Result<int64_t> EngineTimeParam(const Request& request, std::string_view name, int64_t fallback);

// Parses every match[] selector; each must contain a matcher that does not match "".
Result<std::vector<std::vector<Matcher>>> MatcherSets(const std::vector<std::string>& selectors);

}  // namespace tsdbd::http::api
