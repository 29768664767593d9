#include "tests/testing/promtool_dump.h"

#include <cstdlib>

namespace tsdbd::testing {

std::map<std::string, std::vector<std::pair<int64_t, double>>> ParsePromtoolDump(
    std::string_view text) {
  std::map<std::string, std::vector<std::pair<int64_t, double>>> out;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    const std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (line.empty() || line[0] != '{') continue;
    // The value and timestamp follow the last '}' (a label value may hold "} " too).
    const size_t close = line.rfind('}');
    const size_t last_space = line.rfind(' ');
    if (last_space <= close + 1) continue;
    const std::string value(line.substr(close + 2, last_space - close - 2));
    const std::string t(line.substr(last_space + 1));
    out[std::string(line.substr(0, close + 1))].emplace_back(std::strtoll(t.c_str(), nullptr, 10),
                                                             std::strtod(value.c_str(), nullptr));
  }
  return out;
}

std::map<std::string, std::vector<int64_t>> PromtoolDumpTimes(std::string_view text) {
  std::map<std::string, std::vector<int64_t>> out;
  for (const auto& [series, samples] : ParsePromtoolDump(text)) {
    std::vector<int64_t>& times = out[series];
    for (const auto& [t, v] : samples) times.push_back(t);
  }
  return out;
}

}  // namespace tsdbd::testing
