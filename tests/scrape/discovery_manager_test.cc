#include <gtest/gtest.h>

#include <filesystem>

#include "lib/metrics/registry.h"
#include "lib/scrape/discovery/manager.h"
#include "tests/scrape/discovery_test_util.h"
#include "tests/testing/process.h"

namespace tsdbd::scrape::discovery {
namespace {

using namespace std::chrono_literals;

class ManagerTest : public ::testing::Test {
 protected:
  std::unique_ptr<Manager> Make() {
    ManagerOptions opts;
    opts.update_interval = 50ms;
    return std::make_unique<Manager>(opts, metrics_, sink_.Fn());
  }
  double Received() { return metrics_.received_updates.WithLabelValues({"scrape"}).Value(); }

  testing::TempDir dir_;
  metrics::Registry registry_;
  Metrics metrics_{registry_};
  JobSink sink_;
};

config::ServiceDiscovery Static(std::vector<std::string> targets) {
  config::ServiceDiscovery sd;
  sd.static_configs.push_back({.targets = std::move(targets), .labels = {}});
  return sd;
}

TEST_F(ManagerTest, DeliversEveryJobsGroups) {
  std::string f = dir_.WriteFile("a.json", R"([{"targets": ["f1:80"]}])");
  config::ServiceDiscovery both = Static({"s1:80"});
  both.file_sd_configs.push_back({.files = {dir_.path() + "/*.json"}});
  auto m = Make();
  m->ApplyConfig({{"both", both}, {"empty", {}}, {"static", Static({"s2:80", "s3:80"})}});
  ASSERT_TRUE(sink_.WaitLast(
      [](const JobGroups& j) { return j.size() == 3 && Addresses(j.at("both")).size() == 2; }));
  JobGroups jobs = sink_.last();
  EXPECT_EQ(Addresses(jobs["both"]), (std::vector<std::string>{"s1:80", "f1:80"}));
  EXPECT_EQ(jobs["both"][0].source, "0");
  EXPECT_EQ(jobs["both"][1].source, f + ":0");
  // A job without any discovery config has one empty group.
  ASSERT_EQ(jobs["empty"].size(), 1u);
  EXPECT_EQ(jobs["empty"][0].source, "0");
  EXPECT_TRUE(jobs["empty"][0].targets.empty());
  EXPECT_EQ(Addresses(jobs["static"]), (std::vector<std::string>{"s2:80", "s3:80"}));
  // The first delivery waited for every discoverer, so it was complete.
  EXPECT_EQ(sink_.count(), 1u);
  EXPECT_NE(registry_.WriteText().find(
                "prometheus_sd_discovered_targets{config=\"static\",name=\"scrape\"} 2"),
            std::string::npos)
      << registry_.WriteText();
}

TEST_F(ManagerTest, FollowsDiscovererChanges) {
  std::string f = dir_.WriteFile("a.yml", "- targets: [a:1]\n");
  config::ServiceDiscovery sd;
  sd.file_sd_configs.push_back({.files = {f}});
  auto m = Make();
  m->ApplyConfig({{"job", sd}});
  ASSERT_TRUE(sink_.WaitLast([](const JobGroups& j) {
    return j.contains("job") && Addresses(j.at("job")) == std::vector<std::string>{"a:1"};
  }));
  dir_.WriteFile("a.yml", "- targets: [b:1]\n");
  ASSERT_TRUE(sink_.WaitLast([](const JobGroups& j) {
    return Addresses(j.at("job")) == std::vector<std::string>{"b:1"};
  }));
  std::filesystem::remove(f);
  ASSERT_TRUE(sink_.WaitLast([&](const JobGroups& j) {
    return Addresses(j.at("job")).empty() && j.at("job").size() == 1 &&
           j.at("job")[0].source == f + ":0";
  }));
}

TEST_F(ManagerTest, ApplyConfigKeepsUnchangedDiscoverers) {
  std::string f = dir_.WriteFile("a.json", R"([{"targets": ["f1:80"]}])");
  config::ServiceDiscovery files;
  files.file_sd_configs.push_back({.files = {f}});
  auto m = Make();
  m->ApplyConfig({{"files", files}, {"old", Static({"o:1"})}});
  ASSERT_TRUE(sink_.WaitLast([](const JobGroups& j) { return j.size() == 2; }));
  const double received = Received();

  // Same file job, a changed static job, one removed, one added.
  m->ApplyConfig({{"files", files}, {"new", Static({"n:1"})}});
  ASSERT_TRUE(sink_.WaitLast(
      [](const JobGroups& j) { return j.size() == 2 && j.contains("new") && !j.contains("old"); }));
  JobGroups jobs = sink_.last();
  // The file discoverer kept its groups and did not report again.
  EXPECT_EQ(Addresses(jobs["files"]), std::vector<std::string>{"f1:80"});
  EXPECT_EQ(Addresses(jobs["new"]), std::vector<std::string>{"n:1"});
  EXPECT_EQ(Received(), received + 1);
  EXPECT_EQ(registry_.WriteText().find("config=\"old\""), std::string::npos);

  // The same file config under another job name is a new discoverer.
  m->ApplyConfig({{"renamed", files}});
  ASSERT_TRUE(sink_.WaitLast([](const JobGroups& j) {
    return j.size() == 1 && j.contains("renamed") &&
           Addresses(j.at("renamed")) == std::vector<std::string>{"f1:80"};
  }));

  m->ApplyConfig({});
  ASSERT_TRUE(sink_.WaitLast([](const JobGroups& j) { return j.empty(); }));
}

TEST_F(ManagerTest, UpdatesAreBatched) {
  // With a long interval, changes after the first delivery wait for it.
  ManagerOptions opts;
  opts.update_interval = 1h;
  std::string f = dir_.WriteFile("a.json", R"([{"targets": ["a:1"]}])");
  config::ServiceDiscovery sd;
  sd.file_sd_configs.push_back({.files = {f}});
  Manager m(opts, metrics_, sink_.Fn());
  m.ApplyConfig({{"job", sd}});
  ASSERT_TRUE(sink_.WaitLast([](const JobGroups& j) { return j.size() == 1; }));
  const double received = Received();
  dir_.WriteFile("a.json", R"([{"targets": ["b:1"]}])");
  ASSERT_TRUE(testing::WaitUntil([&] { return Received() > received; }));
  EXPECT_EQ(sink_.count(), 1u);
  m.Stop();
  EXPECT_EQ(sink_.count(), 1u);
}

TEST_F(ManagerTest, StopIsFinalAndApplyAfterStopIsIgnored) {
  auto m = Make();
  m->ApplyConfig({{"a", Static({"x:1"})}});
  ASSERT_TRUE(sink_.WaitLast([](const JobGroups& j) { return j.size() == 1; }));
  m->Stop();
  size_t n = sink_.count();
  m->ApplyConfig({{"b", Static({"y:1"})}});
  m->Stop();
  m.reset();
  EXPECT_EQ(sink_.count(), n);
}

TEST_F(ManagerTest, TwoManagersShareTheMetrics) {
  ManagerOptions notify;
  notify.name = "notify";
  notify.update_interval = 50ms;
  JobSink notify_sink;
  Manager a(notify, metrics_, notify_sink.Fn());
  auto b = Make();
  a.ApplyConfig({{"config-0", Static({"am:9093"})}});
  b->ApplyConfig({{"job", Static({"t:1"})}});
  ASSERT_TRUE(notify_sink.WaitLast([](const JobGroups& j) { return j.size() == 1; }));
  ASSERT_TRUE(sink_.WaitLast([](const JobGroups& j) { return j.size() == 1; }));
  std::string text = registry_.WriteText();
  EXPECT_NE(text.find("prometheus_sd_updates_total{name=\"notify\"}"), std::string::npos);
  EXPECT_NE(text.find("prometheus_sd_updates_total{name=\"scrape\"}"), std::string::npos);
}

}  // namespace
}  // namespace tsdbd::scrape::discovery
