#include "lib/model/time_format.h"

#include <fmt/format.h>

#include <ctime>

namespace tsdbd {
namespace {

// Splits t into whole seconds since the epoch and nanoseconds within the second.
std::pair<std::time_t, int64_t> Split(SystemTime t) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  int64_t secs = ns / 1'000'000'000;
  int64_t frac = ns % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    --secs;
  }
  return {static_cast<std::time_t>(secs), frac};
}

std::string DateTime(std::time_t secs) {
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

}  // namespace

std::string FormatRfc3339Nano(SystemTime t) {
  auto [secs, nanos] = Split(t);
  std::string out = DateTime(secs);
  if (nanos != 0) {
    std::string frac = fmt::format("{:09}", nanos);
    while (frac.back() == '0') frac.pop_back();
    out += "." + frac;
  }
  return out + "Z";
}

std::string FormatRfc3339(SystemTime t) { return DateTime(Split(t).first) + "Z"; }

std::string FormatRfc3339Millis(SystemTime t) {
  auto [secs, nanos] = Split(t);
  return fmt::format("{}.{:03}Z", DateTime(secs), nanos / 1'000'000);
}

}  // namespace tsdbd
