#include "lib/model/value_format.h"

#include <gtest/gtest.h>

#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <iterator>
#include <limits>
#include <string>

namespace tsdbd {
namespace {

struct Case {
  double value;
  const char* f;  // strconv.FormatFloat(v, 'f', -1, 64)
  const char* g;  // strconv.FormatFloat(v, 'g', -1, 64)
};

// Confirmed against Prometheus 2.42 (Debian's 2.42.0+ds): the 'f' column is what
// /api/v1/query returns for the PromQL expression in the comment, the 'g' column what
// /federate writes for a recording rule "vector(<expression>)". The one exception is -0:
// the exposition writer prints every zero as "0", while strconv's 'g' keeps the sign
// (metrics::WriteText does the former; FormatFloatG is strconv).
const Case kCases[] = {
    {0.0, "0", "0"},                                                      // 0
    {-0.0, "-0", "-0"},                                                   // -0
    {1.0, "1", "1"},                                                      // 1
    {-1.0, "-1", "-1"},                                                   // -1
    {0.1, "0.1", "0.1"},                                                  // 0.1
    {-0.1, "-0.1", "-0.1"},                                               // -0.1
    {0.30000000000000004, "0.30000000000000004", "0.30000000000000004"},  // 0.1+0.2
    {0.3333333333333333, "0.3333333333333333", "0.3333333333333333"},     // 1/3
    {0.6666666666666666, "0.6666666666666666", "0.6666666666666666"},     // 2/3
    {-0.3333333333333333, "-0.3333333333333333", "-0.3333333333333333"},  // -1/3
    {1e+21, "1000000000000000000000", "1e+21"},                           // 1e21
    {1e+20, "100000000000000000000", "1e+20"},                            // 1e20
    {1e+22, "10000000000000000000000", "1e+22"},                          // 1e22
    {1e+23, "100000000000000000000000", "1e+23"},                         // 1e23
    {1.23456789e+08, "123456789", "1.23456789e+08"},                      // 123456789
    {1e-05, "0.00001", "1e-05"},                                          // 1e-5
    {0.0001, "0.0001", "0.0001"},                                         // 1e-4
    {0.0001234, "0.0001234", "0.0001234"},                                // 0.0001234
    {5e-324,
     "0."
     "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "000000000000000000000000000000000000000000005",
     "5e-324"},  // 5e-324
    {1.7976931348623157e+308,
     "179769313486231570000000000000000000000000000000000000000000000000000000000000000000000000000"
     "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "000000000000000000000000000000",
     "1.7976931348623157e+308"},  // 1.7976931348623157e308
    {2.2250738585072014e-308,
     "0."
     "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "000000000000000000000000000022250738585072014",
     "2.2250738585072014e-308"},                // 2.2250738585072014e-308
    {100.0, "100", "100"},                      // 100
    {1e+06, "1000000", "1e+06"},                // 1e6
    {999999.0, "999999", "999999"},             // 999999
    {100000.0, "100000", "100000"},             // 100000
    {123456.7, "123456.7", "123456.7"},         // 123456.7
    {1.234567e+06, "1234567", "1.234567e+06"},  // 1234567
    {9.007199254740992e+15, "9007199254740992", "9.007199254740992e+15"},        // 2^53
    {9.007199254740992e+15, "9007199254740992", "9.007199254740992e+15"},        // 2^53+1
    {9.223372036854776e+18, "9223372036854776000", "9.223372036854776e+18"},     // 2^63
    {1.8446744073709552e+19, "18446744073709552000", "1.8446744073709552e+19"},  // 2^64
    {-2.5, "-2.5", "-2.5"},                                                      // -2.5
    {-1e-07, "-0.0000001", "-1e-07"},                                            // -1e-7
    {1e-07, "0.0000001", "1e-07"},                                               // 1e-7
    {5e-07, "0.0000005", "5e-07"},                                               // 5e-7
    {1.5, "1.5", "1.5"},                                                         // 1.5
    {3.14159, "3.14159", "3.14159"},                                             // 3.14159
    {0.5, "0.5", "0.5"},                                                         // 0.5
    {0.25, "0.25", "0.25"},                                                      // 0.25
    {0.005, "0.005", "0.005"},                                                   // 0.005
    {0.01, "0.01", "0.01"},                                                      // 0.01
    {0.025, "0.025", "0.025"},                                                   // 0.025
    {2.5, "2.5", "2.5"},                                                         // 2.5
    {10.0, "10", "10"},                                                          // 10
    {1.2345678901234567e+19, "12345678901234567000",
     "1.2345678901234567e+19"},  // 12345678901234567890
    {1e+100,
     "100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "00000000",
     "1e+100"},  // 1e100
    {1e-100,
     "0."
     "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "0000001",
     "1e-100"},                                                              // 1e-100
    {1e-06, "0.000001", "1e-06"},                                            // 0.000001
    {1e-05, "0.00001", "1e-05"},                                             // 0.00001
    {9.999999e-05, "0.00009999999", "9.999999e-05"},                         // 9.999999e-5
    {123.456, "123.456", "123.456"},                                         // 123.456
    {1e+15, "1000000000000000", "1e+15"},                                    // 1e15
    {1e+16, "10000000000000000", "1e+16"},                                   // 1e16
    {1e+17, "100000000000000000", "1e+17"},                                  // 1e17
    {4.294967296e+09, "4294967296", "4.294967296e+09"},                      // 4294967296
    {65536.0, "65536", "65536"},                                             // 65536
    {1023.999, "1023.999", "1023.999"},                                      // 1023.999
    {-1.23456789123e+08, "-123456789.123", "-1.23456789123e+08"},            // -123456789.123
    {0.7999999999999999, "0.7999999999999999", "0.7999999999999999"},        // 0.1+0.7
    {100.5, "100.5", "100.5"},                                               // 100.5
    {100000.5, "100000.5", "100000.5"},                                      // 100000.5
    {999999.9, "999999.9", "999999.9"},                                      // 999999.9
    {12.0, "12", "12"},                                                      // 12
    {7e+22, "70000000000000000000000", "7e+22"},                             // 7e22
    {1.0000000000000002, "1.0000000000000002", "1.0000000000000002"},        // 1+2^-52
    {0.9999999999999999, "0.9999999999999999", "0.9999999999999999"},        // 1-2^-53
    {2.99792458e+08, "299792458", "2.99792458e+08"},                         // 299792458
    {6.02214076e+23, "602214076000000000000000", "6.02214076e+23"},          // 6.02214076e23
    {1.602176634e-19, "0.0000000000000000001602176634", "1.602176634e-19"},  // 1.602176634e-19
    {-1e+21, "-1000000000000000000000", "-1e+21"},                           // -1e21
    {-5e-324,
     "-0."
     "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "000000000000000000000000000000000000000000005",
     "-5e-324"},                                                                   // -5e-324
    {0.00015000000000000001, "0.00015000000000000001", "0.00015000000000000001"},  // 1e-4*1.5
    {9.999e-05, "0.00009999", "9.999e-05"},                                        // 0.00009999
    {1.23456789012e+11, "123456789012", "1.23456789012e+11"},                      // 123456789012
    {0.30000000000000004, "0.30000000000000004", "0.30000000000000004"},           // 0.1*3
};

TEST(ValueFormatTest, MatchesGoStrconvTable) {
  ASSERT_GE(std::size(kCases), 60u);
  for (const Case& c : kCases) {
    EXPECT_EQ(FormatFloatF(c.value), c.f) << "value " << c.g;
    EXPECT_EQ(FormatFloatG(c.value), c.g) << "value " << c.f;
  }
}

TEST(ValueFormatTest, ExponentForm) {
  EXPECT_EQ(FormatFloatE(1e21), "1e+21");
  EXPECT_EQ(FormatFloatE(1.5e-7), "1.5e-07");
  EXPECT_EQ(FormatFloatE(123456789), "1.23456789e+08");
  EXPECT_EQ(FormatFloatE(1), "1e+00");
  EXPECT_EQ(FormatFloatE(0), "0e+00");
  EXPECT_EQ(FormatFloatE(-0.0), "-0e+00");
  EXPECT_EQ(FormatFloatE(5e-324), "5e-324");
  EXPECT_EQ(FormatFloatE(-std::numeric_limits<double>::infinity()), "-Inf");
}

// Confirmed against Prometheus 2.42: the value of "vector(<expression>)" in /api/v1/query
// and /api/v1/query_range results (scalars use 'f' throughout: see kCases).
TEST(ValueFormatTest, JsonSampleValues) {
  struct {
    double value;
    const char* json;
  } cases[] = {
      {1e21, "1e+21"},                  // 1e21
      {1e20, "100000000000000000000"},  // 1e20
      {1e-7, "1e-07"},                  // 1e-7
      {1e-6, "0.000001"},               // 1e-6
      {9.99e-7, "9.99e-07"},            // 9.99e-7
      {-1e-7, "-1e-07"},                // -1e-7
      {5e-324, "5e-324"},               // 5e-324
      {0.0, "0"},                       // 0
      {-0.0, "-0"},                     // -0
      {DBL_MAX, "1.7976931348623157e+308"},
      {123456789, "123456789"},
      {1e22, "1e+22"},
      {-1e21, "-1e+21"},
      {0x1p70, "1.1805916207174113e+21"},  // 2^70
      {1.0 / 3, "0.3333333333333333"},
      {0.000001234, "0.000001234"},
      {1.5e-10, "1.5e-10"},
  };
  for (const auto& c : cases) EXPECT_EQ(FormatFloatJSON(c.value), c.json) << c.json;
  EXPECT_EQ(FormatFloatJSON(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatFloatJSON(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatFloatJSON(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(ValueFormatTest, SpecialValues) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(FormatFloatF(inf), "+Inf");
  EXPECT_EQ(FormatFloatF(-inf), "-Inf");
  EXPECT_EQ(FormatFloatF(nan), "NaN");
  EXPECT_EQ(FormatFloatF(-nan), "NaN");
  EXPECT_EQ(FormatFloatG(inf), "+Inf");
  EXPECT_EQ(FormatFloatG(-inf), "-Inf");
  EXPECT_EQ(FormatFloatG(nan), "NaN");
  // Prometheus's stale marker is a NaN too.
  EXPECT_EQ(FormatFloatG(std::bit_cast<double>(0x7ff0000000000002ull)), "NaN");
}

TEST(ValueFormatTest, ExponentBoundaries) {
  // The exponent form starts at a decimal exponent of 6 and below -4.
  EXPECT_EQ(FormatFloatG(999999.5), "999999.5");
  EXPECT_EQ(FormatFloatG(1e6), "1e+06");
  EXPECT_EQ(FormatFloatG(1.5e6), "1.5e+06");
  EXPECT_EQ(FormatFloatG(0.0001), "0.0001");
  EXPECT_EQ(FormatFloatG(0.00009), "9e-05");
  EXPECT_EQ(FormatFloatG(1e-10), "1e-10");
  EXPECT_EQ(FormatFloatG(1e+100), "1e+100");
  EXPECT_EQ(FormatFloatG(-1e-300), "-1e-300");
}

TEST(ValueFormatTest, AppendAddsToExistingText) {
  std::string s = "x ";
  AppendFloatG(s, 2.5);
  s += ' ';
  AppendFloatF(s, 1e21);
  EXPECT_EQ(s, "x 2.5 1000000000000000000000");
}

TEST(ValueFormatTest, WriteFloatGStaysWithinItsBound) {
  const double values[] = {-DBL_MAX, -DBL_MIN, -5e-324, -1.2345678901234567e-300,
                           -std::numeric_limits<double>::infinity()};
  for (double v : values) {
    char buf[kMaxFloatGLength + 1];
    char* end = WriteFloatG(buf, v);
    EXPECT_LE(static_cast<std::size_t>(end - buf), kMaxFloatGLength);
    EXPECT_EQ(std::string(buf, end), FormatFloatG(v));
  }
}

TEST(ValueFormatTest, OutputParsesBackToTheSameDouble) {
  // Bounded sweep over many magnitudes: both forms must round-trip exactly.
  double v = 1.2345678912345e-310;
  for (int i = 0; i < 2000 && std::isfinite(v); ++i, v *= 1.7318) {
    EXPECT_EQ(std::strtod(FormatFloatG(v).c_str(), nullptr), v) << FormatFloatG(v);
    EXPECT_EQ(std::strtod(FormatFloatF(-v).c_str(), nullptr), -v) << FormatFloatF(-v);
  }
}

}  // namespace
}  // namespace tsdbd
