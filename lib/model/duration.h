// Durations written the way Prometheus writes them: "1d12h", "15s", "500ms".
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "lib/model/result.h"

namespace tsdbd {

using Duration = std::chrono::milliseconds;

// Parses a Prometheus duration: units y (365d), w, d, h, m, s, ms, each at most once and
// in that order, with non-negative integer amounts; "0" alone is accepted. Errors read as
// Prometheus's ("not a valid duration string: \"1x\"").
Result<Duration> ParseDuration(std::string_view text);

// Formats as Prometheus does: the largest units first, years and weeks only when they
// divide the duration exactly ("15d", "2w", "1d12h", "0s").
std::string FormatDuration(Duration d);

}  // namespace tsdbd
