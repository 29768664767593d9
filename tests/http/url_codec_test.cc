#include "lib/http/url_codec.h"

#include <gtest/gtest.h>

namespace tsdbd::http {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST(ParseQueryTest, PairsInOrderWithRepeats) {
  Pairs out;
  EXPECT_EQ(ParseQuery("match[]=up&match[]=a%7Bb%3D%22c%22%7D&x=1+2&empty=&bare", &out), "");
  EXPECT_EQ(out, (Pairs{{"match[]", "up"},
                        {"match[]", "a{b=\"c\"}"},
                        {"x", "1 2"},
                        {"empty", ""},
                        {"bare", ""}}));
}

TEST(ParseQueryTest, EmptyPartsAreSkipped) {
  Pairs out;
  EXPECT_EQ(ParseQuery("&&a=1&&", &out), "");
  EXPECT_EQ(out, (Pairs{{"a", "1"}}));
  out.clear();
  EXPECT_EQ(ParseQuery("", &out), "");
  EXPECT_TRUE(out.empty());
}

TEST(ParseQueryTest, BadEscapeSkipsThePairAndReportsGoWording) {
  Pairs out;
  EXPECT_EQ(ParseQuery("a=1&b=%ZZ&c=3&d=%4", &out), "invalid URL escape \"%ZZ\"");
  EXPECT_EQ(out, (Pairs{{"a", "1"}, {"c", "3"}}));
  out.clear();
  EXPECT_EQ(ParseQuery("d=%4", &out), "invalid URL escape \"%4\"");
  EXPECT_TRUE(out.empty());
}

TEST(ParseQueryTest, SemicolonIsAnError) {
  Pairs out;
  EXPECT_EQ(ParseQuery("a=1;b=2&c=3", &out), "invalid semicolon separator in query");
  EXPECT_EQ(out, (Pairs{{"c", "3"}}));
}

TEST(UnescapePathTest, DecodesButKeepsPlus) {
  auto p = UnescapePath("/api/v1/label/a%2Fb+c/values");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, "/api/v1/label/a/b+c/values");
  EXPECT_FALSE(UnescapePath("/a%G0").ok());
  EXPECT_FALSE(UnescapePath("/a%").ok());
  EXPECT_EQ(UnescapePath("/a%").error().message(), "invalid URL escape \"%\"");
}

TEST(CleanPathTest, LikeGoServeMux) {
  EXPECT_EQ(CleanPath("/"), "/");
  EXPECT_EQ(CleanPath(""), "/");
  EXPECT_EQ(CleanPath("/a/b"), "/a/b");
  EXPECT_EQ(CleanPath("/a/b/"), "/a/b/");
  EXPECT_EQ(CleanPath("//a///b"), "/a/b");
  EXPECT_EQ(CleanPath("/a/./b/../c"), "/a/c");
  EXPECT_EQ(CleanPath("/../.."), "/");
  EXPECT_EQ(CleanPath("/a/.."), "/");
  EXPECT_EQ(CleanPath("/a/../"), "/");
  EXPECT_EQ(CleanPath("a/b"), "/a/b");
}

}  // namespace
}  // namespace tsdbd::http
