// Reading what `promtool tsdb dump <dir>` prints: one line "{labels} value timestamp" per
// sample (Go's "%s %g %d"), series by series.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tsdbd::testing {

// Series text as promtool prints it ("{__name__=\"m\", s=\"0\"}") -> its (timestamp ms,
// value) pairs in printed order. Lines that do not start with '{' are skipped.
std::map<std::string, std::vector<std::pair<int64_t, double>>> ParsePromtoolDump(
    std::string_view text);

// The same, with the timestamps only.
std::map<std::string, std::vector<int64_t>> PromtoolDumpTimes(std::string_view text);

}  // namespace tsdbd::testing
