#include "lib/model/labels.h"

#include <gtest/gtest.h>

#include <thread>

#include "lib/model/hash.h"
#include "lib/model/symbol_table.h"

namespace tsdbd {
namespace {

TEST(SymbolTable, InternsOnceAndFindsAgain) {
  SymbolTable t;
  EXPECT_EQ(t.Intern(""), 0u);
  const SymbolId a = t.Intern("job");
  const SymbolId b = t.Intern("instance");
  EXPECT_NE(a, b);
  EXPECT_EQ(t.Intern(std::string("job")), a);
  EXPECT_EQ(t.Get(a), "job");
  EXPECT_EQ(t.Get(b), "instance");
  EXPECT_EQ(t.Get(0), "");
  EXPECT_EQ(t.Find("job"), a);
  EXPECT_EQ(t.Find(""), 0u);
  const size_t before = t.size();
  EXPECT_FALSE(t.Find("never-interned").has_value());
  EXPECT_EQ(t.size(), before);  // Find never adds
  const std::string big(100'000, 'x');
  EXPECT_EQ(t.Get(t.Intern(big)), big);
  EXPECT_EQ(t.HashOf(a), HashBytes("job"));
  EXPECT_EQ(t.HashOf(t.Intern(big)), HashBytes(big));
  EXPECT_EQ(t.Intern("instance", HashBytes("instance")), b);
  // An empty view may have no data at all (UBSan checks that nothing reads through it).
  EXPECT_EQ(t.Intern(std::string_view()), 0u);
  EXPECT_EQ(HashBytes(std::string_view()), HashBytes(""));
}

// Intern remembers recent ids per thread: a table made where another one was (the same
// address, most likely) must not be answered with the other table's ids.
TEST(SymbolTable, RecentIdsOfOneTableAreNotAnotherTables) {
  SymbolId first_x;
  {
    SymbolTable t;
    t.Intern("a");
    t.Intern("b");
    first_x = t.Intern("x");
  }
  SymbolTable t;
  const SymbolId x = t.Intern("x");
  EXPECT_NE(x, first_x);
  EXPECT_EQ(t.Get(x), "x");
  EXPECT_EQ(t.Intern("x"), x);
  EXPECT_EQ(t.size(), 2u);  // "" and "x"
}

std::string Name(int i) {
  return std::string("v").append(std::to_string(i));
}

TEST(SymbolTable, ConcurrentInterningAgrees) {
  SymbolTable t;
  std::vector<std::vector<SymbolId>> ids(4);
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < 20'000; ++i) ids[w].push_back(t.Intern(Name(i)));
    });
  }
  for (auto& th : threads) th.join();
  for (int w = 1; w < 4; ++w) EXPECT_EQ(ids[w], ids[0]);
  for (int i = 0; i < 20'000; ++i) EXPECT_EQ(t.Get(ids[0][i]), Name(i));
  EXPECT_EQ(t.size(), 20'001u);  // with ""
}

TEST(Labels, SortedByNameLastValueWinsEmptyDropped) {
  Labels l{{"job", "api"}, {"__name__", "up"}, {"instance", "a:1"}, {"job", "web"}, {"x", ""}};
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[0].name, "__name__");
  EXPECT_EQ(l[1].name, "instance");
  EXPECT_EQ(l[2].name, "job");
  EXPECT_EQ(l.Get("job"), "web");
  EXPECT_EQ(l.MetricName(), "up");
  EXPECT_EQ(l.Get("x"), "");
  EXPECT_FALSE(l.Has("x"));
  EXPECT_EQ(l.ToString(), R"({__name__="up", instance="a:1", job="web"})");
}

TEST(Labels, CopiesShareAndCompare) {
  Labels a{{"a", "1"}, {"b", "2"}};
  Labels b = a;
  Labels c{{"b", "2"}, {"a", "1"}};
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, c);
  EXPECT_EQ(a.Hash(), c.Hash());
  EXPECT_EQ(Compare(a, c), 0);
  Labels d{{"a", "1"}, {"b", "3"}};
  EXPECT_LT(Compare(a, d), 0);
  EXPECT_GT(Compare(d, a), 0);
  EXPECT_NE(a.Hash(), d.Hash());
  Labels shorter{{"a", "1"}};
  EXPECT_LT(Compare(shorter, a), 0);
  Labels moved = std::move(b);
  EXPECT_EQ(moved, a);
  EXPECT_TRUE(b.empty());  // NOLINT: moved-from is empty by contract
  EXPECT_EQ(Labels(), Labels());
}

TEST(Labels, HashIsDeterministicAndSeparatesBoundaries) {
  // Same concatenation, different split: must differ.
  EXPECT_NE((Labels{{"a", "bc"}}).Hash(), (Labels{{"ab", "c"}}).Hash());
  EXPECT_NE((Labels{{"a", "b"}, {"c", "d"}}).Hash(), (Labels{{"a", "bc"}, {"d", ""}}).Hash());
  // Fixed value: the hash must not depend on symbol ids or addresses.
  const uint64_t h = (Labels{{"__name__", "up"}, {"job", "x"}}).Hash();
  SymbolTable::Global().Intern("some-other-string-first");
  EXPECT_EQ((Labels{{"job", "x"}, {"__name__", "up"}}).Hash(), h);
  // Names and values are not interchangeable.
  EXPECT_NE((Labels{{"a", "b"}, {"c", "d"}}).Hash(), (Labels{{"a", "d"}, {"c", "b"}}).Hash());
  EXPECT_NE((Labels{{"a", "b"}}).Hash(), (Labels{{"b", "a"}}).Hash());
}

// Pairs already sorted by distinct names with no empty value are interned as they are; any
// other input goes through the builder's rules. Both give the same labels.
TEST(Labels, FromPairsTakesCanonicalPairsAsTheyAre) {
  using Pairs = std::vector<std::pair<std::string_view, std::string_view>>;
  const Labels want{{"__name__", "up"}, {"job", "x"}, {"zone", "a"}};
  EXPECT_EQ(Labels::FromPairs(Pairs{{"__name__", "up"}, {"job", "x"}, {"zone", "a"}}), want);
  EXPECT_EQ(Labels::FromPairs(Pairs{{"job", "x"}, {"__name__", "up"}, {"zone", "a"}}), want);
  EXPECT_EQ(Labels::FromPairs(Pairs{{"__name__", "up"}, {"job", "y"}, {"job", "x"}, {"zone", "a"}}),
            want);
  EXPECT_EQ(Labels::FromPairs(Pairs{{"__name__", "up"}, {"job", "x"}, {"m", ""}, {"zone", "a"}}),
            want);
  EXPECT_TRUE(Labels::FromPairs(Pairs{}).empty());
}

TEST(Labels, HashForAndWithout) {
  Labels a{{"__name__", "m1"}, {"job", "x"}, {"instance", "i1"}};
  Labels b{{"__name__", "m2"}, {"job", "x"}, {"instance", "i2"}};
  const std::vector<std::string> job = {"job"};
  const std::vector<std::string> instance = {"instance"};
  EXPECT_EQ(a.HashForLabels(job), b.HashForLabels(job));
  EXPECT_NE(a.HashForLabels(instance), b.HashForLabels(instance));
  // "without" ignores __name__ too.
  EXPECT_EQ(a.HashWithoutLabels(instance), b.HashWithoutLabels(instance));
  EXPECT_NE(a.HashWithoutLabels(job), b.HashWithoutLabels(job));
}

TEST(Labels, ToStringQuotesLikeGo) {
  Labels l{{"a", "q\"b\\s\nn\tt\x01\xff"}, {"b", "ü"}};
  EXPECT_EQ(l.ToString(), R"({a="q\"b\\s\nn\tt\x01\xff", b="ü"})");
}

TEST(Labels, ToStringEscapesNonPrintableUnicodeLikeGo) {
  EXPECT_EQ((Labels{{"a", "\u00a0x\u200b\U0010ffff"}}).ToString(),
            R"({a="\u00a0x\u200b\U0010ffff"})");
}

TEST(LabelsBuilder, SetDelGetBuild) {
  Labels base{{"job", "x"}, {"instance", "i"}};
  LabelsBuilder b(base);
  b.Set("zone", "eu").Del("instance").Set("job", "y");
  EXPECT_EQ(b.Get("job"), "y");
  EXPECT_EQ(b.Get("instance"), "");
  EXPECT_EQ(b.Build(), (Labels{{"job", "y"}, {"zone", "eu"}}));
  b.Set("zone", "");  // empty deletes
  EXPECT_EQ(b.Build(), (Labels{{"job", "y"}}));
  EXPECT_EQ(base, (Labels{{"job", "x"}, {"instance", "i"}}));  // base untouched
}

}  // namespace
}  // namespace tsdbd
