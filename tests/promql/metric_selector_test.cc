#include <gtest/gtest.h>

#include "lib/promql/parser.h"

namespace tsdbd::promql {
namespace {

TEST(ParseMetricSelector, Matchers) {
  auto m = ParseMetricSelector(R"(up{job="api",instance=~"a|b"})");
  ASSERT_TRUE(m.ok()) << m.error().message();
  ASSERT_EQ(m->size(), 3u);
  EXPECT_EQ((*m)[0].ToString(), R"(job="api")");
  EXPECT_EQ((*m)[1].ToString(), R"(instance=~"a|b")");
  EXPECT_EQ((*m)[2].ToString(), R"(__name__="up")");
  auto braces = ParseMetricSelector(R"({__name__=~"x.*"})");
  ASSERT_TRUE(braces.ok());
  EXPECT_EQ(braces->size(), 1u);
  // Keywords are metric names here.
  EXPECT_TRUE(ParseMetricSelector("sum").ok());
  EXPECT_TRUE(ParseMetricSelector("job:rate5m:sum").ok());
}

// The messages Prometheus 2.42 gives for the same match[] values.
TEST(ParseMetricSelector, ErrorsAsPrometheus) {
  const std::pair<const char*, const char*> cases[] = {
      {"rate(x[5m])", R"(1:5: parse error: unexpected "(")"},
      {"x[5m]", R"(1:2: parse error: unexpected "[")"},
      {"x offset 5m", "1:3: parse error: unexpected <offset>"},
      {"x{", "1:3: parse error: unexpected end of input inside braces"},
      {"1", R"(1:1: parse error: unexpected number "1")"},
      {"sum(x)", R"(1:4: parse error: unexpected "(")"},
  };
  for (const auto& [selector, message] : cases) {
    auto m = ParseMetricSelector(selector);
    ASSERT_FALSE(m.ok()) << selector;
    EXPECT_EQ(m.error().message(), message) << selector;
  }
}

}  // namespace
}  // namespace tsdbd::promql
