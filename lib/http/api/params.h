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

// The earliest and latest times the API accepts, in milliseconds (Prometheus's minTime and
// maxTime, the defaults of start and end).
inline constexpr int64_t kMinTimeMs = -9223309901257974;
inline constexpr int64_t kMaxTimeMs = 9223309901257974;

// A timestamp as unix seconds with an optional fraction (rounded to milliseconds) or
// RFC 3339; Prometheus's minTime/maxTime in RFC 3339 too. Errors read as Prometheus's
// ("cannot parse \"x\" to a valid timestamp").
Result<int64_t> ParseTime(std::string_view text);

// A duration as float seconds or a Prometheus duration ("5m"), in milliseconds.
Result<int64_t> ParseDurationParam(std::string_view text);

// The time parameter `name`, or `fallback` when absent or empty. Errors are wrapped as
// Prometheus wraps them: invalid parameter "start": cannot parse ...
Result<int64_t> TimeParam(const Request& request, std::string_view name, int64_t fallback);

// Parses every match[] selector; each must contain a matcher that does not match "".
Result<std::vector<std::vector<Matcher>>> MatcherSets(const std::vector<std::string>& selectors);

}  // namespace tsdbd::http::api
