#include "lib/model/duration.h"

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <limits>

namespace tsdbd {
namespace {

struct Unit {
  std::string_view suffix;
  int64_t ms;
};

constexpr int64_t kSecond = 1000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kWeek = 7 * kDay;
constexpr int64_t kYear = 365 * kDay;

// In the order they must appear. "ms" comes last and is matched before "m".
constexpr std::array<Unit, 7> kUnits = {{{"y", kYear},
                                         {"w", kWeek},
                                         {"d", kDay},
                                         {"h", kHour},
                                         {"m", kMinute},
                                         {"s", kSecond},
                                         {"ms", 1}}};

// Prometheus keeps durations as int64 nanoseconds; anything beyond is out of range.
constexpr int64_t kMaxMs = std::numeric_limits<int64_t>::max() / 1'000'000;

}  // namespace

Result<Duration> ParseDuration(std::string_view text) {
  if (text == "0") return Duration(0);
  if (text.empty()) return Error("empty duration string");
  const auto invalid = [&] { return Error(fmt::format("not a valid duration string: \"{}\"", text)); };

  int64_t total = 0;
  size_t next_unit = 0;  // index in kUnits of the smallest unit still allowed
  std::string_view rest = text;
  while (!rest.empty()) {
    size_t digits = 0;
    while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
    if (digits == 0) return invalid();
    int64_t amount = 0;
    for (size_t i = 0; i < digits; ++i) {
      if (amount > (kMaxMs - (rest[i] - '0')) / 10) return Error("duration out of range");
      amount = amount * 10 + (rest[i] - '0');
    }
    rest.remove_prefix(digits);

    size_t unit = next_unit;
    for (; unit < kUnits.size(); ++unit) {
      const std::string_view s = kUnits[unit].suffix;
      if (!rest.starts_with(s)) continue;
      // "m" must not swallow the "m" of "ms".
      if (s == "m" && rest.size() > 1 && rest[1] == 's') continue;
      break;
    }
    if (unit == kUnits.size()) return invalid();
    rest.remove_prefix(kUnits[unit].suffix.size());
    next_unit = unit + 1;

    if (amount > (kMaxMs - total) / kUnits[unit].ms) return Error("duration out of range");
    total += amount * kUnits[unit].ms;
  }
  return Duration(total);
}

std::string FormatDuration(Duration d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  for (const Unit& u : kUnits) {
    const bool exact_only = u.ms == kYear || u.ms == kWeek;
    if (exact_only && ms % u.ms != 0) continue;
    if (const int64_t v = ms / u.ms; v > 0) {
      out += fmt::format("{}{}", v, u.suffix);
      ms -= v * u.ms;
    }
  }
  return out;
}

}  // namespace tsdbd
