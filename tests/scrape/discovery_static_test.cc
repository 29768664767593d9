#include <gtest/gtest.h>

#include "lib/scrape/discovery/static_discoverer.h"
#include "tests/scrape/discovery_test_util.h"

namespace tsdbd::scrape::discovery {
namespace {

TEST(StaticDiscovery, OneGroupPerConfigSourcedByIndex) {
  std::vector<config::StaticConfig> cfgs = {
      {.targets = {"a:80", "b:80"}, .labels = {{"env", "prod"}, {"team", "x"}}},
      {.targets = {"c:9100"}, .labels = {}},
      {.targets = {}, .labels = {{"lonely", "yes"}}},
  };
  std::vector<TargetGroup> groups = StaticGroups(cfgs);
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0].source, "0");
  EXPECT_EQ(groups[1].source, "1");
  EXPECT_EQ(groups[2].source, "2");
  ASSERT_EQ(groups[0].targets.size(), 2u);
  EXPECT_EQ(groups[0].targets[0], (Labels{{"__address__", "a:80"}}));
  EXPECT_EQ(groups[0].targets[1], (Labels{{"__address__", "b:80"}}));
  EXPECT_EQ(groups[0].labels, (Labels{{"env", "prod"}, {"team", "x"}}));
  EXPECT_TRUE(groups[1].labels.empty());
  EXPECT_TRUE(groups[2].targets.empty());
}

TEST(StaticDiscovery, ReportsOnceFromStart) {
  StaticDiscoverer d({{.targets = {"x:1"}, .labels = {}}});
  UpdateSink sink;
  d.Start(sink.Fn());
  ASSERT_EQ(sink.count(), 1u);
  EXPECT_EQ(Addresses(sink.last()), std::vector<std::string>{"x:1"});
  d.Stop();
  d.Stop();
  EXPECT_EQ(sink.count(), 1u);
}

TEST(GroupDiffer, SendsChangesAndVanishedSourcesOnceEmpty) {
  GroupDiffer differ;
  std::vector<TargetGroup> out;
  // The first result is sent even when empty.
  ASSERT_TRUE(differ.Update({}, &out));
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(differ.Update({}, &out));

  TargetGroup a{.source = "a", .targets = {Labels{{"__address__", "1:1"}}}, .labels = {}};
  TargetGroup b{.source = "b", .targets = {Labels{{"__address__", "2:2"}}}, .labels = {}};
  ASSERT_TRUE(differ.Update({a, b}, &out));
  EXPECT_EQ(out, (std::vector<TargetGroup>{a, b}));
  EXPECT_FALSE(differ.Update({a, b}, &out));

  ASSERT_TRUE(differ.Update({b}, &out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], b);
  EXPECT_EQ(out[1].source, "a");
  EXPECT_TRUE(out[1].targets.empty());
  // Once reported gone, "a" is not listed again.
  EXPECT_FALSE(differ.Update({b}, &out));
}

}  // namespace
}  // namespace tsdbd::scrape::discovery
