#include "lib/scrape/textparse/float_parse.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

#include "lib/model/ascii.h"

namespace tsdbd::scrape::textparse {
namespace {

constexpr uint64_t kNormalNaN = 0x7ff8000000000001ULL;

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// Whether s is [+-]?(digits(.digits?)?|.digits)([eE][+-]?digits)?.
bool IsDecimal(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
  size_t mantissa_digits = 0;
  while (i < n && IsDigit(s[i])) ++i, ++mantissa_digits;
  if (i < n && s[i] == '.') {
    ++i;
    while (i < n && IsDigit(s[i])) ++i, ++mantissa_digits;
  }
  if (mantissa_digits == 0) return false;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < n && IsDigit(s[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == n;
}

// Slow path for literals from_chars reports out of range: strtod tells overflow (Inf) from
// underflow (0 or subnormal, which Go accepts).
NumberError ParseOutOfRange(std::string_view s, double* out) {
  const std::string copy(s);
  const double v = std::strtod(copy.c_str(), nullptr);
  if (std::isinf(v)) return NumberError::kRange;
  *out = v;
  return NumberError::kNone;
}

}  // namespace

NumberError ParseGoFloat(std::string_view s, double* out) {
  if (s.empty()) return NumberError::kSyntax;
  // Fast path: plain digits, the common case for counters and gauges.
  const char first = s[0];
  if (IsDigit(first) || first == '.' || first == '-' || first == '+') {
    if (IsDecimal(s)) {
      const char* begin = s.data() + (first == '+' ? 1 : 0);
      double v = 0;
      const auto [ptr, ec] = std::from_chars(begin, s.data() + s.size(), v);
      if (ec == std::errc::result_out_of_range) return ParseOutOfRange(s, out);
      if (ec != std::errc() || ptr != s.data() + s.size()) return NumberError::kSyntax;
      *out = v;
      return NumberError::kNone;
    }
  }
  if (s.find_first_of("pP_") != std::string_view::npos) return NumberError::kUnsupportedChar;
  std::string_view rest = s;
  double sign = 1;
  bool has_sign = false;
  if (rest[0] == '+' || rest[0] == '-') {
    sign = rest[0] == '-' ? -1 : 1;
    has_sign = true;
    rest.remove_prefix(1);
  }
  if (EqualsIgnoreCase(rest, "inf") || EqualsIgnoreCase(rest, "infinity")) {
    *out = sign * std::numeric_limits<double>::infinity();
    return NumberError::kNone;
  }
  if (!has_sign && EqualsIgnoreCase(rest, "nan")) {
    *out = std::bit_cast<double>(kNormalNaN);
    return NumberError::kNone;
  }
  return NumberError::kSyntax;
}

NumberError ParseDigits(std::string_view digits, int64_t* out) {
  int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec == std::errc::result_out_of_range) return NumberError::kRange;
  if (ec != std::errc() || ptr != digits.data() + digits.size()) return NumberError::kSyntax;
  *out = v;
  return NumberError::kNone;
}

int64_t SecondsToMillis(double seconds) {
  const double ms = seconds * 1000;
  // 2^63 is exactly representable; anything at or beyond it does not fit an int64.
  constexpr double kLimit = 9223372036854775808.0;
  if (!(ms < kLimit && ms >= -kLimit)) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(ms);
}

}  // namespace tsdbd::scrape::textparse
