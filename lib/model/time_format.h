// Timestamps written the way Prometheus's Go code writes them.
#pragma once

#include <chrono>
#include <string>

namespace tsdbd {

using SystemTime = std::chrono::system_clock::time_point;

// RFC 3339 in UTC with nanoseconds, trailing zeros of the fraction dropped, as Go's
// time.RFC3339Nano: "2026-11-25T00:56:14.194009185Z", "2026-11-25T00:56:14Z".
std::string FormatRfc3339Nano(SystemTime t);

// RFC 3339 in UTC with whole seconds: "2026-11-25T00:56:14Z".
std::string FormatRfc3339(SystemTime t);

// RFC 3339 in UTC with milliseconds, always three digits: "2026-11-25T00:56:14.194Z"
// (the ts= of Prometheus's log lines).
std::string FormatRfc3339Millis(SystemTime t);

}  // namespace tsdbd
