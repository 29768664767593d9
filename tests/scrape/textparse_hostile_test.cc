// Hostile input: random bytes, truncations at every offset, flipped bytes, huge lines and
// label sets. Never a crash or a hang; strictness holds (OpenMetrics without # EOF fails).
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "tests/scrape/textparse_test_util.h"
#include "tests/testing/process.h"

namespace tsdbd::scrape::textparse {
namespace {

using testing::ParseAll;
using testing::Parsed;

constexpr Format kFormats[] = {Format::kPrometheusText, Format::kOpenMetrics};

std::string TestData(const std::string& name) {
  return tsdbd::testing::ReadFile(std::string(TSDBD_SOURCE_DIR) + "/tests/scrape/testdata/" + name);
}

TEST(TextparseHostileTest, RandomBytes) {
  std::mt19937_64 rng(42);
  // Bytes drawn mostly from the grammar's alphabet so the parsers get deep, plus anything.
  const std::string alphabet = "abc_:{}=\",# \t\n\\01.eE+-InfNaHELPTYPEUNITOF\xff\xc3";
  for (int i = 0; i < 20000; ++i) {
    std::string body(rng() % 64, '\0');
    for (char& c : body) {
      c = rng() % 4 == 0 ? static_cast<char>(rng()) : alphabet[rng() % alphabet.size()];
    }
    for (Format f : kFormats) (void)ParseAll(body, f);
  }
}

TEST(TextparseHostileTest, TruncationsAtEveryOffset) {
  const std::string text = TestData("python_client.txt");
  const std::string om = TestData("python_client.om");
  ASSERT_FALSE(text.empty());
  ASSERT_FALSE(om.empty());
  for (size_t n = 0; n <= text.size(); ++n)
    (void)ParseAll(text.substr(0, n), Format::kPrometheusText);
  const size_t eof = om.rfind("# EOF");
  for (size_t n = 0; n <= om.size(); ++n) {
    const Parsed p = ParseAll(om.substr(0, n), Format::kOpenMetrics);
    if (n < eof + 5) {
      EXPECT_NE(p.error, "") << "truncated at " << n;
    } else {
      EXPECT_EQ(p.error, "") << "truncated at " << n;
    }
  }
}

TEST(TextparseHostileTest, FlippedBytes) {
  std::mt19937_64 rng(7);
  for (const char* name : {"python_client.txt", "python_client.om"}) {
    const std::string body = TestData(name);
    const Format f =
        std::string(name).ends_with(".om") ? Format::kOpenMetrics : Format::kPrometheusText;
    for (int i = 0; i < 3000; ++i) {
      std::string b = body;
      for (int k = 0; k < 3; ++k) b[rng() % b.size()] = static_cast<char>(rng());
      (void)ParseAll(b, f);
    }
  }
}

TEST(TextparseHostileTest, HugeLines) {
  const std::string big(4 << 20, 'x');
  for (Format f : kFormats) {
    const std::string eof = f == Format::kOpenMetrics ? "# EOF\n" : "";
    Parsed p = ParseAll("foo{a=\"" + big + "\"} 1\n" + eof, f);
    ASSERT_EQ(p.error, "");
    EXPECT_EQ(p.records.at(0).name.size(), big.size() + 22);
    p = ParseAll(big + " 1\n" + eof, f);  // a 4 MiB metric name
    EXPECT_EQ(p.error, "");
    p = ParseAll("# HELP foo " + big + "\n" + eof, f);
    EXPECT_EQ(p.error, "");
    EXPECT_EQ(p.records.at(0).text.size(), big.size());
    p = ParseAll("foo " + big + "\n" + eof, f);
    EXPECT_EQ(p.error, "line 1: invalid value \"" + big + "\"");
    p = ParseAll("foo{a=\"" + big, f);
    EXPECT_EQ(p.error, "line 1: unterminated label value for \"a\"");
  }
}

TEST(TextparseHostileTest, ManyLabels) {
  for (Format f : kFormats) {
    const std::string eof = f == Format::kOpenMetrics ? "# EOF\n" : "";
    std::string distinct = "foo{";
    for (int i = 0; i < 20000; ++i) distinct += (i ? ",l" : "l") + std::to_string(i) + "=\"v\"";
    Parsed p = ParseAll(distinct + "} 1\n" + eof, f);
    ASSERT_EQ(p.error, "");
    // The same name 20000 times: reported, and fast (sorted check, not quadratic).
    std::string repeated = "foo{";
    for (int i = 0; i < 20000; ++i) repeated += i ? ",a=\"v\"" : "a=\"v\"";
    p = ParseAll(repeated + "} 1\n" + eof, f);
    EXPECT_EQ(p.error.rfind("line 1: label name \"a\" is not unique", 0), 0u)
        << p.error.substr(0, 80);
    // Many lines with many escapes.
    std::string lines;
    for (int i = 0; i < 2000; ++i)
      lines += "m{a=\"\\\\\\n\\\"" + std::to_string(i) + "\"} " + std::to_string(i) + "\n";
    p = ParseAll(lines + eof, f);
    ASSERT_EQ(p.error, "");
    EXPECT_EQ(p.series, 2000u);
    EXPECT_EQ(p.records.at(5).name, "{__name__=\"m\", a=\"\\\\\\n\\\"5\"}");
  }
}

}  // namespace
}  // namespace tsdbd::scrape::textparse
