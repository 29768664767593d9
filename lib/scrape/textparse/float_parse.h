// Sample values and timestamps as Prometheus 2.42's exposition parsers read them.
#pragma once

#include <cstdint>
#include <string_view>

namespace tsdbd::scrape::textparse {

enum class NumberError { kNone, kSyntax, kRange, kUnsupportedChar };

// Go's strconv.ParseFloat(s, 64) restricted as Prometheus restricts it: any of 'p', 'P' or
// '_' is kUnsupportedChar (so hex floats and digit separators are rejected). Accepts
// [+-]digits[.digits][(e|E)[+-]digits], ".5", "5.", [+-]Inf/Infinity and NaN, all
// case-insensitive; a sign before NaN is a syntax error. A finite literal beyond the double
// range is kRange (underflow rounds to 0 or a subnormal, as in Go). NaN comes back as
// Prometheus's normal NaN (bits 0x7ff8000000000001), never as the stale marker.
NumberError ParseGoFloat(std::string_view s, double* out);

// Go's strconv.ParseInt(s, 10, 64) for a string the caller has checked to be digits only.
NumberError ParseDigits(std::string_view digits, int64_t* out);

// Go's int64(seconds * 1000) on amd64: truncation toward zero; values that do not fit give
// INT64_MIN as the hardware conversion does. `seconds` must be finite.
int64_t SecondsToMillis(double seconds);

}  // namespace tsdbd::scrape::textparse
