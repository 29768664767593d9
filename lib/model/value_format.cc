#include "lib/model/value_format.h"

#include <cassert>
#include <charconv>
#include <cmath>
#include <cstring>

namespace tsdbd {
namespace {

// The shortest round-trip decimal form of a finite double: value = 0.d1d2...dn * 10^point.
struct ShortestDigits {
  bool negative = false;
  char digits[24];  // at most 17 significant digits
  int count = 0;
  int point = 0;  // position of the decimal point relative to digits[0]
};

ShortestDigits Decompose(double v) {
  ShortestDigits d;
  d.negative = std::signbit(v);
  char buf[40];
  // Scientific shortest form: "[-]d[.ddd]e±xx".
  auto res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  assert(res.ec == std::errc());
  const char* p = buf;
  const char* end = res.ptr;
  if (*p == '-') ++p;
  for (; p < end && *p != 'e'; ++p) {
    if (*p != '.') d.digits[d.count++] = *p;
  }
  int exp = 0;
  std::from_chars(p + 1 + (p[1] == '+'), end, exp);
  d.point = exp + 1;
  return d;
}

// Returns the special spelling of NaN and the infinities, or nullptr for finite values.
const char* Special(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return nullptr;
}

char* WriteFixed(char* out, const ShortestDigits& d) {
  if (d.negative) *out++ = '-';
  if (d.point > 0) {
    for (int i = 0; i < d.point; ++i) *out++ = i < d.count ? d.digits[i] : '0';
  } else {
    *out++ = '0';
  }
  if (d.count > d.point) {
    *out++ = '.';
    for (int i = d.point; i < d.count; ++i) *out++ = i < 0 ? '0' : d.digits[i];
  }
  return out;
}

char* WriteExponent(char* out, const ShortestDigits& d) {
  if (d.negative) *out++ = '-';
  *out++ = d.digits[0];
  if (d.count > 1) {
    *out++ = '.';
    std::memcpy(out, d.digits + 1, d.count - 1);
    out += d.count - 1;
  }
  *out++ = 'e';
  int exp = d.point - 1;
  *out++ = exp < 0 ? '-' : '+';
  if (exp < 0) exp = -exp;
  if (exp < 10) *out++ = '0';
  return std::to_chars(out, out + 4, exp).ptr;
}

}  // namespace

char* WriteFloatG(char* out, double v) {
  if (const char* s = Special(v)) {
    std::size_t n = std::strlen(s);
    std::memcpy(out, s, n);
    return out + n;
  }
  ShortestDigits d = Decompose(v);
  // For the shortest form Go decides on a precision of 6: exponent form when the decimal
  // exponent is below -4 or at least 6, whatever the number of digits.
  int exp = d.point - 1;
  if (exp < -4 || exp >= 6) return WriteExponent(out, d);
  return WriteFixed(out, d);
}

void AppendFloatG(std::string& out, double v) {
  char buf[kMaxFloatGLength];
  char* end = WriteFloatG(buf, v);
  out.append(buf, end);
}

std::string FormatFloatG(double v) {
  std::string s;
  AppendFloatG(s, v);
  return s;
}

void AppendFloatF(std::string& out, double v) {
  if (const char* s = Special(v)) {
    out.append(s);
    return;
  }
  ShortestDigits d = Decompose(v);
  // Sign, up to 309 integer digits or "0." plus up to 323 zeros, and 17 digits.
  char buf[360];
  char* end = WriteFixed(buf, d);
  out.append(buf, end);
}

void AppendFloatE(std::string& out, double v) {
  if (const char* s = Special(v)) {
    out.append(s);
    return;
  }
  char buf[kMaxFloatGLength];
  char* end = WriteExponent(buf, Decompose(v));
  out.append(buf, end);
}

std::string FormatFloatE(double v) {
  std::string s;
  AppendFloatE(s, v);
  return s;
}

void AppendFloatJSON(std::string& out, double v) {
  const double abs = std::fabs(v);
  if (abs != 0 && (abs < 1e-6 || abs >= 1e21)) {
    AppendFloatE(out, v);  // also +Inf and -Inf
  } else {
    AppendFloatF(out, v);  // also NaN
  }
}

std::string FormatFloatJSON(double v) {
  std::string s;
  AppendFloatJSON(s, v);
  return s;
}

std::string FormatFloatF(double v) {
  std::string s;
  AppendFloatF(s, v);
  return s;
}

}  // namespace tsdbd
