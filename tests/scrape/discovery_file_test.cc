#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "lib/metrics/registry.h"
#include "lib/scrape/discovery/file_discoverer.h"
#include "lib/scrape/discovery/file_sd_parser.h"
#include "tests/scrape/discovery_test_util.h"
#include "tests/testing/process.h"

namespace tsdbd::scrape::discovery {
namespace {

using namespace std::chrono_literals;

Result<std::vector<TargetGroup>> Parse(std::string_view text, FileSdFormat f,
                                       const std::string& path = "/sd/x") {
  return ParseFileSd(text, f, path);
}

TEST(FileSdParser, FormatFromExtension) {
  EXPECT_EQ(*FileSdFormatFor("/a/b.json"), FileSdFormat::kJson);
  EXPECT_EQ(*FileSdFormatFor("/a/b.JSON"), FileSdFormat::kJson);
  EXPECT_EQ(*FileSdFormatFor("b.yml"), FileSdFormat::kYaml);
  EXPECT_EQ(*FileSdFormatFor("b.Yaml"), FileSdFormat::kYaml);
  EXPECT_FALSE(FileSdFormatFor("b.txt").ok());
  EXPECT_FALSE(FileSdFormatFor("json").ok());
}

TEST(FileSdParser, JsonGroupsWithSourceAndFilepath) {
  auto r =
      Parse(R"([{"targets": ["h1:9100", "h2:9100"], "labels": {"env": "prod", "__meta_x": "y"}},
                     {"targets": ["h3:1"]}])",
            FileSdFormat::kJson, "/sd/a.json");
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].source, "/sd/a.json:0");
  EXPECT_EQ((*r)[1].source, "/sd/a.json:1");
  EXPECT_EQ((*r)[0].labels,
            (Labels{{"env", "prod"}, {"__meta_x", "y"}, {"__meta_filepath", "/sd/a.json"}}));
  EXPECT_EQ((*r)[1].labels, (Labels{{"__meta_filepath", "/sd/a.json"}}));
  EXPECT_EQ(Addresses(*r), (std::vector<std::string>{"h1:9100", "h2:9100", "h3:1"}));
  EXPECT_EQ((*r)[0].targets[0], (Labels{{"__address__", "h1:9100"}}));
}

TEST(FileSdParser, JsonKeysMatchCaseInsensitivelyAndTheLastWins) {
  // What Prometheus 2.42 shows for this file: targets u3:80, labels {b="2"}.
  auto r = Parse(R"([{"Targets": ["u2:80"], "targets": ["u3:80"], "labels": {"a":"1"},
                      "Labels": {"b": "2"}}])",
                 FileSdFormat::kJson);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(Addresses(*r), std::vector<std::string>{"u3:80"});
  EXPECT_EQ((*r)[0].labels, (Labels{{"b", "2"}, {"__meta_filepath", "/sd/x"}}));
}

TEST(FileSdParser, JsonDuplicateLabelKeepsTheLastValue) {
  auto r =
      Parse(R"([{"targets": ["g1:80"], "labels": {"a": "1", "a": "2"}}])", FileSdFormat::kJson);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ((*r)[0].labels.Get("a"), "2");
}

TEST(FileSdParser, EmptyInputs) {
  auto yaml = Parse("", FileSdFormat::kYaml);
  ASSERT_TRUE(yaml.ok());
  EXPECT_TRUE(yaml->empty());
  auto json = Parse("[]", FileSdFormat::kJson);
  ASSERT_TRUE(json.ok());
  EXPECT_TRUE(json->empty());
  auto nulls = Parse(R"([{"targets": null, "labels": null}])", FileSdFormat::kJson);
  ASSERT_TRUE(nulls.ok());
  ASSERT_EQ(nulls->size(), 1u);
  EXPECT_TRUE((*nulls)[0].targets.empty());
  EXPECT_FALSE(Parse("", FileSdFormat::kJson).ok());
}

TEST(FileSdParser, JsonErrors) {
  auto unknown = Parse(R"([{"targets": ["u1:80"], "foo": 1}])", FileSdFormat::kJson);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().message(), "json: unknown field \"foo\"");
  auto nil = Parse("[null]", FileSdFormat::kJson);
  ASSERT_FALSE(nil.ok());
  EXPECT_EQ(nil.error().message(), "nil target group item found");
  auto bad_name = Parse(R"([{"targets": [], "labels": {"a-b": "x"}}])", FileSdFormat::kJson);
  ASSERT_FALSE(bad_name.ok());
  EXPECT_EQ(bad_name.error().message(), "\"a-b\" is not a valid label name");
  EXPECT_FALSE(Parse(R"([{"targets": [1]}])", FileSdFormat::kJson).ok());
  EXPECT_FALSE(Parse(R"([{"targets": "a:1"}])", FileSdFormat::kJson).ok());
  EXPECT_FALSE(Parse(R"([{"labels": {"a": 1}}])", FileSdFormat::kJson).ok());
  EXPECT_FALSE(Parse(R"({"targets": []})", FileSdFormat::kJson).ok());
  EXPECT_FALSE(Parse(R"([{"targets": ["a:1"])", FileSdFormat::kJson).ok());
  EXPECT_FALSE(Parse("- targets: [a]", FileSdFormat::kJson).ok());  // YAML is not JSON
}

TEST(FileSdParser, YamlGroupsAndScalars) {
  // Prometheus 2.42 reads non-string scalars as their text and a null label as absent.
  auto r = Parse(
      "- targets: [ \"y1:80\" ]\n  labels:\n    team: a\n"
      "- targets: [ 8080, true ]\n  labels: {n: 5, e: ~}\n",
      FileSdFormat::kYaml, "/sd/b.yml");
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[1].source, "/sd/b.yml:1");
  EXPECT_EQ(Addresses(*r), (std::vector<std::string>{"y1:80", "8080", "true"}));
  EXPECT_EQ((*r)[0].labels, (Labels{{"team", "a"}, {"__meta_filepath", "/sd/b.yml"}}));
  EXPECT_EQ((*r)[1].labels, (Labels{{"n", "5"}, {"__meta_filepath", "/sd/b.yml"}}));
}

TEST(FileSdParser, YamlErrors) {
  auto extra = Parse("- targets: [a]\n  extra: 1\n", FileSdFormat::kYaml);
  ASSERT_FALSE(extra.ok());
  EXPECT_EQ(extra.error().message(), "line 2: field extra not found in type struct");
  EXPECT_FALSE(Parse("- null\n- ~\n", FileSdFormat::kYaml).ok());
  EXPECT_FALSE(Parse("targets: [a]\n", FileSdFormat::kYaml).ok());
  EXPECT_FALSE(Parse("- targets: [a\n", FileSdFormat::kYaml).ok());
  EXPECT_FALSE(Parse("- labels: {0x: a}\n", FileSdFormat::kYaml).ok());
  EXPECT_FALSE(Parse("- labels: {a: 1, a: 2}\n", FileSdFormat::kYaml).ok());
  EXPECT_FALSE(Parse("- targets: [[a]]\n", FileSdFormat::kYaml).ok());
}

// Writes through a temporary name and renames, as config management tools do.
void WriteAtomically(const std::string& path, const std::string& content) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << content;
  }
  std::filesystem::rename(tmp, path);
}

class FileDiscoveryTest : public ::testing::Test {
 protected:
  std::unique_ptr<FileDiscoverer> Make(std::vector<std::string> files,
                                       Duration refresh = std::chrono::minutes(5)) {
    return std::make_unique<FileDiscoverer>(
        config::FileSdConfig{.files = std::move(files), .refresh_interval = refresh}, metrics_);
  }
  double ReadErrors() const { return metrics_.file_read_errors.Value(); }

  testing::TempDir dir_;
  metrics::Registry registry_;
  Metrics metrics_{registry_};
  UpdateSink sink_;
};

TEST_F(FileDiscoveryTest, ReadsJsonAndYamlThroughGlobs) {
  std::string a = dir_.WriteFile("a.json", R"([{"targets": ["a1:80"], "labels": {"k": "v"}}])");
  std::string b = dir_.WriteFile("b.yml", "- targets: [b1:80, b2:80]\n");
  dir_.WriteFile("c.txt", "not matched");
  dir_.WriteFile(".hidden.json", R"([{"targets": ["h:1"]}])");
  auto d = Make({dir_.path() + "/*.json", dir_.path() + "/*.yml"});
  d->Start(sink_.Fn());
  ASSERT_TRUE(sink_.WaitLast([](const auto& g) { return !g.empty(); }));
  std::vector<TargetGroup> groups = sink_.last();
  ASSERT_EQ(groups.size(), 3u);
  // Go's Glob lets '*' match a leading dot; files sort by name within a pattern.
  EXPECT_EQ(groups[0].source, dir_.path() + "/.hidden.json:0");
  EXPECT_EQ(groups[1].source, a + ":0");
  EXPECT_EQ(groups[1].labels, (Labels{{"k", "v"}, {"__meta_filepath", a}}));
  EXPECT_EQ(groups[2].source, b + ":0");
  EXPECT_EQ(groups[2].labels.Get("__meta_filepath"), b);
  EXPECT_EQ(Addresses(groups), (std::vector<std::string>{"h:1", "a1:80", "b1:80", "b2:80"}));
  EXPECT_EQ(ReadErrors(), 0);
}

TEST_F(FileDiscoveryTest, PicksUpChangesNewFilesAndDeletions) {
  std::string a = dir_.WriteFile("a.json", R"([{"targets": ["a1:80"]}, {"targets": ["a2:80"]}])");
  auto d = Make({dir_.path() + "/*.json"});
  d->Start(sink_.Fn());
  ASSERT_TRUE(sink_.WaitLast([](const auto& g) { return Addresses(g).size() == 2; }));

  // A group fewer: its source is sent once with no targets.
  WriteAtomically(a, R"([{"targets": ["a1:81"]}])");
  ASSERT_TRUE(sink_.WaitLast([&](const auto& g) {
    return g.size() == 2 && Addresses(g) == std::vector<std::string>{"a1:81"};
  }));
  const std::vector<TargetGroup> after_shrink = sink_.last();
  const TargetGroup* gone = FindGroup(after_shrink, a + ":1");
  ASSERT_NE(gone, nullptr);
  EXPECT_TRUE(gone->targets.empty());

  // A new file matching the glob.
  std::string b = dir_.WriteFile("b.json", R"([{"targets": ["b1:80"]}])");
  ASSERT_TRUE(sink_.WaitLast([&](const auto& g) {
    return Addresses(g) == std::vector<std::string>{"a1:81", "b1:80"};
  }));

  // Deleting a file drops its groups.
  std::filesystem::remove(a);
  ASSERT_TRUE(sink_.WaitLast(
      [&](const auto& g) { return Addresses(g) == std::vector<std::string>{"b1:80"}; }));
  const std::vector<TargetGroup> after_delete = sink_.last();
  const TargetGroup* deleted = FindGroup(after_delete, a + ":0");
  ASSERT_NE(deleted, nullptr);
  EXPECT_TRUE(deleted->targets.empty());
  // In-place rewrite (truncate and write) is picked up too.
  {
    std::ofstream out(b, std::ios::trunc);
    out << R"([{"targets": ["b9:80"]}])";
  }
  ASSERT_TRUE(sink_.WaitLast(
      [&](const auto& g) { return Addresses(g) == std::vector<std::string>{"b9:80"}; }));
  EXPECT_EQ(sink_.last().size(), 1u);
}

TEST_F(FileDiscoveryTest, BadFileKeepsItsPreviousGroupsAndCounts) {
  std::string a = dir_.WriteFile("a.yaml", "- targets: [a1:80]\n");
  auto d = Make({dir_.path() + "/*.yaml"});
  d->Start(sink_.Fn());
  ASSERT_TRUE(sink_.WaitLast([](const auto& g) { return Addresses(g).size() == 1; }));
  WriteAtomically(a, "- targets: [a1:80\n");  // unterminated
  ASSERT_TRUE(testing::WaitUntil([&] { return ReadErrors() >= 1; }, 10s));
  EXPECT_EQ(Addresses(sink_.last()), std::vector<std::string>{"a1:80"});
  // A bad new file contributes nothing, and counts.
  double before = ReadErrors();
  dir_.WriteFile("z.yaml", "- nope: 1\n");
  ASSERT_TRUE(testing::WaitUntil([&] { return ReadErrors() > before; }, 10s));
  EXPECT_EQ(Addresses(sink_.last()), std::vector<std::string>{"a1:80"});
  // Fixing the file takes effect.
  WriteAtomically(a, "- targets: [a2:80]\n");
  ASSERT_TRUE(sink_.WaitLast(
      [](const auto& g) { return Addresses(g) == std::vector<std::string>{"a2:80"}; }));
}

TEST_F(FileDiscoveryTest, RefreshIntervalCatchesChangesWithoutAWatch) {
  // The directory does not exist at start, so nothing can be watched: the periodic refresh
  // must find the file once it appears.
  std::string sub = dir_.path() + "/later";
  auto d = Make({sub + "/*.json"}, std::chrono::milliseconds(50));
  d->Start(sink_.Fn());
  ASSERT_TRUE(testing::WaitUntil([&] { return sink_.count() >= 1; }));
  EXPECT_TRUE(sink_.last().empty());
  std::filesystem::create_directory(sub);
  WriteAtomically(sub + "/x.json", R"([{"targets": ["x:1"]}])");
  ASSERT_TRUE(sink_.WaitLast(
      [](const auto& g) { return Addresses(g) == std::vector<std::string>{"x:1"}; }));
}

TEST_F(FileDiscoveryTest, ExactPathAndMissingFile) {
  std::string a = dir_.WriteFile("exact.json", R"([{"targets": ["e:1"]}])");
  auto d = Make({a, dir_.path() + "/missing.json"});
  d->Start(sink_.Fn());
  ASSERT_TRUE(sink_.WaitLast([](const auto& g) { return !g.empty(); }));
  EXPECT_EQ(Addresses(sink_.last()), std::vector<std::string>{"e:1"});
  EXPECT_EQ(ReadErrors(), 0);  // a pattern matching nothing is no error
}

TEST_F(FileDiscoveryTest, StopIsPromptAndFinal) {
  dir_.WriteFile("a.json", R"([{"targets": ["a:1"]}])");
  auto d = Make({dir_.path() + "/*.json"});
  d->Start(sink_.Fn());
  ASSERT_TRUE(testing::WaitUntil([&] { return sink_.count() >= 1; }));
  d->Stop();
  size_t n = sink_.count();
  dir_.WriteFile("b.json", R"([{"targets": ["b:1"]}])");
  d.reset();
  EXPECT_EQ(sink_.count(), n);
}

}  // namespace
}  // namespace tsdbd::scrape::discovery
