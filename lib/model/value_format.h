// Sample values written the way Prometheus (Go's strconv) writes them.
//
// The API's JSON carries scalars as strconv.FormatFloat(v, 'f', -1, 64) and the samples of
// vectors and matrices in a mix of 'f' and 'e' (FormatFloatJSON); the text exposition format
// uses FormatFloat(v, 'g', -1, 64). Both use the shortest digit string that parses back
// to the same double. Infinities and NaN are written "+Inf", "-Inf", "NaN" in both.
#pragma once

#include <cstddef>
#include <string>

namespace tsdbd {

// Longest output of the 'g' form: "-1.7976931348623157e+308" is 24 characters.
inline constexpr std::size_t kMaxFloatGLength = 32;

// Go's 'f', -1: plain decimal, never an exponent. 1e21 -> "1000000000000000000000",
// 1e-7 -> "0.0000001", -0.0 -> "-0". May be long (up to ~330 characters for denormals).
std::string FormatFloatF(double v);
void AppendFloatF(std::string& out, double v);

// Go's 'e', -1: always the exponent form, "1e+21", "1.5e-07", "-0e+00" for -0.0.
std::string FormatFloatE(double v);
void AppendFloatE(std::string& out, double v);

// How Prometheus 2.42's /api/v1 writes a sample value of a vector or matrix: Go's 'e', -1
// when 0 < |v| < 1e-6 or |v| >= 1e21, else 'f', -1 ("1e+21", "1e-07", "0.000001",
// "100000000000000000000", "-0"). Scalar results use FormatFloatF instead.
std::string FormatFloatJSON(double v);
void AppendFloatJSON(std::string& out, double v);

// Go's 'g', -1: the exponent form ("1e+06", "1.23456789e+08", "1e-05") when the decimal
// exponent is < -4 or >= 6, else plain ("100000", "0.0001", "123456.7"). The exponent has a
// sign and at least two digits. -0.0 -> "-0".
std::string FormatFloatG(double v);
// Appends to out; allocates nothing beyond growing out.
void AppendFloatG(std::string& out, double v);
// Writes at most kMaxFloatGLength characters starting at out; returns one past the last.
char* WriteFloatG(char* out, double v);

}  // namespace tsdbd
