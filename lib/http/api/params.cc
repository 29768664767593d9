#include "lib/http/api/params.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <ctime>
#include <limits>

#include "lib/model/duration.h"
#include "lib/model/go_quote.h"
#include "lib/promql/functions/go_calendar.h"
#include "lib/promql/parser.h"

namespace tsdbd::http::api {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// RFC 3339 with optional fraction and a Z or ±hh:mm offset, as Go's time.RFC3339Nano parses.
std::optional<ApiTime> ParseRfc3339(std::string_view s) {
  int y, mo, d, h, mi, sec;
  if (!Digits(s, 0, 4, &y) || s.size() < 20 || s[4] != '-' || !Digits(s, 5, 2, &mo) ||
      s[7] != '-' || !Digits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
      !Digits(s, 11, 2, &h) || s[13] != ':' || !Digits(s, 14, 2, &mi) || s[16] != ':' ||
      !Digits(s, 17, 2, &sec)) {
    return std::nullopt;
  }
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1] || h > 23 || mi > 59 || sec > 59) {
    return std::nullopt;
  }
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo == 2 && d == 29 && !leap) return std::nullopt;
  size_t pos = 19;
  int64_t nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int64_t scale = 100'000'000;
    const size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      nanos += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  int64_t offset_s = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z') && pos + 1 == s.size()) {
    ++pos;
  } else if (pos + 6 == s.size() && (s[pos] == '+' || s[pos] == '-') && s[pos + 3] == ':') {
    int oh, om;
    if (!Digits(s, pos + 1, 2, &oh) || !Digits(s, pos + 4, 2, &om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_s = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  const int64_t secs = DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset_s;
  return ApiTime{secs, nanos};
}

// Go's int64 arithmetic, which wraps around.
int64_t WrapAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
int64_t WrapMul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}

std::optional<double> ParseGoFloat(std::string_view s) {
  if (s.empty()) return std::nullopt;
  if (s.front() == '+') s.remove_prefix(1);
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

ApiTime ApiTime::Unix(int64_t sec, int64_t nsec) {
  constexpr int64_t kSecond = 1'000'000'000;
  if (nsec < 0 || nsec >= kSecond) {
    const int64_t carry = nsec / kSecond;
    sec = WrapAdd(sec, carry);
    nsec -= carry * kSecond;
    if (nsec < 0) {
      nsec += kSecond;
      sec = WrapAdd(sec, -1);
    }
  }
  return {sec, nsec};
}

int64_t ApiTime::EngineMillis() const {
  return WrapAdd(WrapMul(sec, 1'000'000'000), nsec) / 1'000'000;
}

int64_t ApiTime::StorageMillis() const {
  return WrapAdd(WrapMul(sec, 1000), nsec / 1'000'000);
}

int64_t SubNanos(const ApiTime& a, const ApiTime& b) {
  // As Go's Time.Sub: exact when it fits, else the nearer end of int64.
  int64_t secs, nanos;
  if (!__builtin_sub_overflow(a.sec, b.sec, &secs) &&
      !__builtin_mul_overflow(secs, int64_t{1'000'000'000}, &nanos) &&
      !__builtin_add_overflow(nanos, a.nsec - b.nsec, &nanos)) {
    return nanos;
  }
  return a < b ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
}

Result<ApiTime> ParseTime(std::string_view text) {
  if (auto f = ParseGoFloat(text)) {
    // As Prometheus: the whole seconds and the fraction rounded to milliseconds, each
    // converted by Go's int64(float) (the fraction as nanoseconds), then carried as
    // time.Unix carries.
    double secs;
    double frac = std::modf(*f, &secs);
    if (std::isinf(*f)) frac = std::nan("");  // Go's Modf; C's gives 0
    frac = std::round(frac * 1000) / 1000;
    return ApiTime::Unix(promql::GoFloatToInt64(secs), promql::GoFloatToInt64(frac * 1e9));
  }
  if (auto t = ParseRfc3339(text)) return *t;
  if (text == "-292273086-05-16T16:47:06Z") return kMinTime;
  if (text == "292277025-08-18T07:12:54.999999999Z") return kMaxTime;
  return Error(fmt::format("cannot parse {} to a valid timestamp", GoQuote(text)));
}

Result<int64_t> ParseDurationParam(std::string_view text) {
  if (auto f = ParseGoFloat(text)) {
    // As Prometheus: refused only beyond ±2^63 nanoseconds (its bounds are int64's ends as
    // float64s, so 2^63 and NaN pass), then converted by Go's int64(float).
    const double ns = *f * 1e9;
    if (ns > 9.223372036854775808e18 || ns < -9.223372036854775808e18) {
      return Error(
          fmt::format("cannot parse {} to a valid duration. It overflows int64", GoQuote(text)));
    }
    return promql::GoFloatToInt64(ns);
  }
  int64_t ns;
  if (auto d = ParseDuration(text); d.ok() && !__builtin_mul_overflow(d->count(), 1'000'000, &ns)) {
    return ns;
  }
  return Error(fmt::format("cannot parse {} to a valid duration", GoQuote(text)));
}

namespace {

template <typename ToMillis>
Result<int64_t> TimeParamIn(const Request& request, std::string_view name, int64_t fallback,
                            ToMillis to_millis) {
  const std::string* value = request.Param(name);
  if (value == nullptr || value->empty()) return fallback;
  auto t = ParseTime(*value);
  if (!t.ok()) {
    return Error(fmt::format("invalid parameter \"{}\": Invalid time value for '{}': {}", name,
                             name, t.error().message()));
  }
  return to_millis(*t);
}

}  // namespace

Result<int64_t> TimeParam(const Request& request, std::string_view name, int64_t fallback) {
  return TimeParamIn(request, name, fallback, [](const ApiTime& t) { return t.StorageMillis(); });
}

Result<int64_t> EngineTimeParam(const Request& request, std::string_view name, int64_t fallback) {
  return TimeParamIn(request, name, fallback, [](const ApiTime& t) { return t.EngineMillis(); });
}

Result<std::vector<std::vector<Matcher>>> MatcherSets(const std::vector<std::string>& selectors) {
  std::vector<std::vector<Matcher>> sets;
  for (const std::string& s : selectors) {
    auto matchers = promql::ParseMetricSelector(s);
    if (!matchers.ok()) return matchers.error();
    sets.push_back(std::move(*matchers));
  }
  for (const auto& set : sets) {
    const bool selective =
        std::any_of(set.begin(), set.end(), [](const Matcher& m) { return !m.Matches(""); });
    if (!selective) return Error("match[] must contain at least one non-empty matcher");
  }
  return sets;
}

}  // namespace tsdbd::http::api
