#include "lib/model/byte_size.h"

#include <fmt/format.h>

#include <array>
#include <cmath>

namespace tsdbd {
namespace {

constexpr std::array<std::string_view, 7> kPrefixes = {"", "K", "M", "G", "T", "P", "E"};

// Returns the multiplier of a unit such as "MB" or "MiB", or 0 when it is not one.
int64_t UnitMultiplier(std::string_view unit) {
  for (size_t i = 0; i < kPrefixes.size(); ++i) {
    const std::string_view prefix = kPrefixes[i];
    if (!unit.starts_with(prefix)) continue;
    const std::string_view suffix = unit.substr(prefix.size());
    if (suffix == "B" || (!prefix.empty() && suffix == "iB")) return int64_t{1} << (10 * i);
  }
  return 0;
}

}  // namespace

Result<int64_t> ParseByteSize(std::string_view text) {
  if (text == "0") return int64_t{0};
  const auto invalid = [&] { return Error(fmt::format("units: invalid byte size \"{}\"", text)); };
  if (text.empty()) return invalid();

  long double total = 0;
  std::string_view rest = text;
  while (!rest.empty()) {
    size_t n = 0;
    while (n < rest.size() && ((rest[n] >= '0' && rest[n] <= '9') || rest[n] == '.')) ++n;
    if (n == 0) return invalid();
    const std::string number(rest.substr(0, n));
    rest.remove_prefix(n);
    size_t u = 0;
    while (u < rest.size() && !((rest[u] >= '0' && rest[u] <= '9') || rest[u] == '.')) ++u;
    if (u == 0) return Error(fmt::format("units: missing unit in \"{}\"", text));
    const int64_t mult = UnitMultiplier(rest.substr(0, u));
    if (mult == 0) {
      return Error(fmt::format("units: unknown unit \"{}\" in \"{}\"", rest.substr(0, u), text));
    }
    rest.remove_prefix(u);
    char* end = nullptr;
    const long double value = std::strtold(number.c_str(), &end);
    if (end != number.c_str() + number.size()) return invalid();
    total += value * static_cast<long double>(mult);
  }
  if (total > static_cast<long double>(INT64_MAX)) return invalid();
  return static_cast<int64_t>(total);
}

std::string FormatByteSize(int64_t bytes) {
  if (bytes == 0) return "0B";
  std::array<std::string, kPrefixes.size()> parts;
  for (size_t i = 0; i < kPrefixes.size() && bytes != 0; ++i) {
    if (bytes % 1024 != 0) {
      parts[kPrefixes.size() - 1 - i] =
          fmt::format("{}{}{}", bytes % 1024, kPrefixes[i], i == 0 ? "B" : "iB");
    }
    bytes /= 1024;
  }
  std::string out;
  for (const std::string& p : parts) out += p;
  return out;
}

}  // namespace tsdbd
