#include "lib/model/matcher.h"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include "lib/model/names.h"

namespace tsdbd {
namespace {

using T = Matcher::Type;

TEST(Matcher, EqualityAndTheEmptyValueRule) {
  auto eq = Matcher::MustMake(T::kEqual, "a", "x");
  EXPECT_TRUE(eq.Matches("x"));
  EXPECT_FALSE(eq.Matches("y"));
  EXPECT_FALSE(eq.Matches(""));
  // {a=""} matches series without a; {a!=""} only series with it.
  EXPECT_TRUE(Matcher::MustMake(T::kEqual, "a", "").Matches(""));
  EXPECT_FALSE(Matcher::MustMake(T::kNotEqual, "a", "").Matches(""));
  EXPECT_TRUE(Matcher::MustMake(T::kNotEqual, "a", "").Matches("v"));
}

TEST(Matcher, RegexesAreFullyAnchored) {
  auto re = Matcher::MustMake(T::kRegexMatch, "a", "fo+");
  EXPECT_TRUE(re.Matches("foo"));
  EXPECT_FALSE(re.Matches("xfoo"));
  EXPECT_FALSE(re.Matches("foox"));
  auto alt = Matcher::MustMake(T::kRegexMatch, "a", "a|b.*");
  EXPECT_TRUE(alt.Matches("a"));
  EXPECT_TRUE(alt.Matches("bcd"));
  EXPECT_FALSE(alt.Matches("ab"));
  auto nre = Matcher::MustMake(T::kRegexNoMatch, "a", "fo+");
  EXPECT_FALSE(nre.Matches("foo"));
  EXPECT_TRUE(nre.Matches("xfoo"));
  EXPECT_TRUE(nre.Matches(""));
}

TEST(Matcher, ShortcutsAgreeWithTheRegex) {
  for (const char* regex : {".*", ".+", "a|b|c", "api", "a\\.b|c", "x|", "ap.*", "a\\..*", "a\\.*",
                            "a\\\\.*", "a|b.*", "line.*"}) {
    auto fast = Matcher::MustMake(T::kRegexMatch, "l", regex);
    RE2 slow(std::string("^(?:") + regex + ")$");
    for (const char* v : {"", "a", "b", "c", "api", "a.b", "axb", "x", "line\nbreak", "zz", "a.",
                          "a..", "a\\x", "ap", "line", "lines\n"}) {
      EXPECT_EQ(fast.Matches(v), RE2::FullMatch(v, slow)) << regex << " on " << v;
    }
  }
}

TEST(Matcher, LiteralAlternations) {
  EXPECT_EQ(*LiteralAlternation("b|a|b"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(*LiteralAlternation("api"), (std::vector<std::string>{"api"}));
  EXPECT_EQ(*LiteralAlternation("a\\.b"), (std::vector<std::string>{"a.b"}));
  EXPECT_FALSE(LiteralAlternation("a.b").has_value());
  EXPECT_FALSE(LiteralAlternation("a|b+").has_value());
  EXPECT_FALSE(LiteralAlternation("\\d").has_value());
  EXPECT_FALSE(LiteralAlternation("(a|b)").has_value());
  auto m = Matcher::MustMake(T::kRegexMatch, "job", "api|web");
  ASSERT_TRUE(m.SetMatches().has_value());
  EXPECT_EQ(*m.SetMatches(), (std::vector<std::string>{"api", "web"}));
  EXPECT_FALSE(Matcher::MustMake(T::kRegexMatch, "job", "api.*").SetMatches().has_value());
}

TEST(Matcher, BadRegexIsAnError) {
  auto m = Matcher::Make(T::kRegexMatch, "a", "(");
  ASSERT_FALSE(m.ok());
  EXPECT_FALSE(m.error().message().empty());
}

// The message is Go's regexp package's, as Prometheus shows it.
TEST(Matcher, BadRegexIsWordedAsGo) {
  auto error = [](const std::string& re) {
    auto m = Matcher::Make(T::kRegexMatch, "a", re);
    return m.ok() ? "OK" : m.error().message();
  };
  EXPECT_EQ(error("("), "error parsing regexp: missing closing ): `^(?:()$`");
  EXPECT_EQ(error("*"), "error parsing regexp: missing argument to repetition operator: `*`");
  EXPECT_EQ(error("a{1001}"), "error parsing regexp: invalid repeat count: `{1001}`");
  EXPECT_EQ(error("(?z)"), "error parsing regexp: invalid or unsupported Perl syntax: `(?z`");
  EXPECT_EQ(error("(?P<>a)"), "error parsing regexp: invalid named capture: `(?P<>`");
  EXPECT_EQ(error("a**"), "error parsing regexp: invalid nested repetition operator: `**`");
  // Parsed alone too, as Prometheus does: the anchoring must not balance the parentheses.
  EXPECT_EQ(error("a)("), "error parsing regexp: unexpected ): `a)(`");
  EXPECT_EQ(error("a)|(b"), "error parsing regexp: unexpected ): `a)|(b`");
  // RE2's \C (any byte) is not Go's.
  EXPECT_EQ(error("a\\C"), "error parsing regexp: invalid escape sequence: `\\C`");
  EXPECT_EQ(error("\\\\C"), "OK");
  EXPECT_EQ(error("\\QC\\E"), "OK");
  // A byte that is not UTF-8 names the rest of the anchored pattern from that byte, or of
  // the piece Go reads whole around it; an error earlier in the pattern comes first.
  EXPECT_EQ(error("\xff("), "error parsing regexp: invalid UTF-8: `\xff()$`");
  EXPECT_EQ(error("a\xc0\xafz"), "error parsing regexp: invalid UTF-8: `\xc0\xafz)$`");
  EXPECT_EQ(error("[\xff]"), "error parsing regexp: invalid UTF-8: `\xff])$`");
  EXPECT_EQ(error("(?P<n\xff>b)"), "error parsing regexp: invalid UTF-8: `\xff`");
  EXPECT_EQ(error("(?P<n\xff"), "error parsing regexp: invalid UTF-8: `\xff)$`");
  EXPECT_EQ(error("\\Q\xff\\E"), "error parsing regexp: invalid UTF-8: `\xff`");
  EXPECT_EQ(error("\\p{\xff}"), "error parsing regexp: invalid UTF-8: `\xff`");
  EXPECT_EQ(error("*\xff"), "error parsing regexp: missing argument to repetition operator: `*`");
}

TEST(Matcher, ToString) {
  EXPECT_EQ(Matcher::MustMake(T::kEqual, "job", "a\"b").ToString(), R"(job="a\"b")");
  EXPECT_EQ(Matcher::MustMake(T::kRegexNoMatch, "job", "a.*").ToString(), R"(job!~"a.*")");
}

TEST(Names, MetricAndLabelNames) {
  EXPECT_TRUE(IsValidMetricName("http_requests_total"));
  EXPECT_TRUE(IsValidMetricName("job:rate5m:sum"));
  EXPECT_TRUE(IsValidMetricName("_x"));
  EXPECT_FALSE(IsValidMetricName("1x"));
  EXPECT_FALSE(IsValidMetricName(""));
  EXPECT_FALSE(IsValidMetricName("a-b"));
  EXPECT_TRUE(IsValidLabelName("__name__"));
  EXPECT_TRUE(IsValidLabelName("a1"));
  EXPECT_FALSE(IsValidLabelName("a:b"));
  EXPECT_FALSE(IsValidLabelName("1a"));
  EXPECT_FALSE(IsValidLabelName(""));
  EXPECT_TRUE(IsValidLabelValue("ok ü 日本"));
  EXPECT_FALSE(IsValidLabelValue("\xff"));
  EXPECT_FALSE(IsValidLabelValue("\xc3"));          // truncated
  EXPECT_FALSE(IsValidLabelValue("\xc0\x80"));      // overlong
  EXPECT_FALSE(IsValidLabelValue("\xed\xa0\x80"));  // surrogate
}

}  // namespace
}  // namespace tsdbd
