// ScrapeManager and ScrapePool with real HTTP targets on 127.0.0.1: discovery syncs, config
// reloads, target health snapshots, failure isolation, target_limit and shutdown.
#include <gtest/gtest.h>

#include <algorithm>

#include "lib/config/config.h"
#include "lib/metrics/registry.h"
#include "lib/net/io_runtime.h"
#include "lib/scrape/manager/manager.h"
#include "tests/scrape/loop_test_util.h"

namespace tsdbd::scrape {
namespace {

using namespace std::chrono_literals;
using testing::RecordingStorage;
using testing::TargetServer;
using testing::WaitFor;

class ScrapeManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(runtime_.Start().ok());
    a_ = std::make_unique<TargetServer>(runtime_);
    b_ = std::make_unique<TargetServer>(runtime_);
    a_->SetBody("ma 1\n");
    b_->SetBody("mb 1\n");
    manager_ = std::make_unique<ScrapeManager>(runtime_, storage_, registry_);
  }
  void TearDown() override {
    manager_->Stop();
    a_->Stop();
    b_->Stop();
    runtime_.Stop();
  }

  static config::ScrapeConfig Job(const std::string& name) {
    config::ScrapeConfig c;
    c.job_name = name;
    c.scrape_interval = 100ms;
    c.scrape_timeout = 100ms;
    return c;
  }
  static discovery::TargetGroup Group(std::vector<std::string> addresses) {
    discovery::TargetGroup g;
    g.source = "0";
    for (const std::string& a : addresses) g.targets.push_back(Labels{{"__address__", a}});
    return g;
  }
  Labels Series(const std::string& name, const std::string& job, const TargetServer& t) {
    return Labels{{"__name__", name}, {"job", job}, {"instance", t.address()}};
  }
  std::vector<storage::Sample> Up(const std::string& job, const TargetServer& t) {
    return storage_.Samples(Series("up", job, t));
  }
  bool WaitUp(const std::string& job, const TargetServer& t, size_t n) {
    return WaitFor([&] {
      auto s = Up(job, t);
      size_t live = 0;
      for (const auto& x : s) live += !IsStaleNaN(x.v);
      return live >= n;
    });
  }
  // The samples of scrape_series_added of a target (1 when its loop's cache is new).
  std::vector<storage::Sample> SeriesAdded(const std::string& job, const TargetServer& t) {
    return storage_.Samples(Series("scrape_series_added", job, t));
  }
  static bool IsStale(const std::vector<storage::Sample>& s) {
    return !s.empty() && IsStaleNaN(s.back().v);
  }
  std::optional<TargetStatus> Find(const TargetServer& t) {
    for (TargetStatus& s : manager_->ActiveTargets()) {
      if (s.scrape_url == "http://" + t.address() + "/metrics") return s;
    }
    return std::nullopt;
  }

  net::IoRuntime runtime_{2};
  metrics::Registry registry_;
  RecordingStorage storage_;
  std::unique_ptr<TargetServer> a_, b_;
  std::unique_ptr<ScrapeManager> manager_;
};

TEST_F(ScrapeManagerTest, SyncKeepsUnchangedLoopsAndStopsRemovedOnes) {
  config::Config cfg;
  cfg.scrape_configs = {Job("j")};
  ASSERT_TRUE(manager_->ApplyConfig(cfg).ok());
  manager_->OnDiscoveryUpdate({{"j", {Group({a_->address()})}}});
  ASSERT_TRUE(WaitUp("j", *a_, 2));
  EXPECT_EQ(manager_->ScrapePools(), std::vector<std::string>{"j"});

  manager_->OnDiscoveryUpdate({{"j", {Group({a_->address(), b_->address()})}}});
  ASSERT_TRUE(WaitUp("j", *b_, 2));
  ASSERT_TRUE(WaitUp("j", *a_, Up("j", *a_).size() + 1));
  // A's loop never restarted: its cache saw ma only in its very first scrape, no stale marker.
  const auto added = SeriesAdded("j", *a_);
  EXPECT_EQ(added[0].v, 1);
  for (size_t i = 1; i < added.size(); ++i) EXPECT_EQ(added[i].v, 0) << i;
  EXPECT_FALSE(IsStale(storage_.Samples(Series("ma", "j", *a_))));
  EXPECT_EQ(manager_->ActiveTargets().size(), 2u);

  manager_->OnDiscoveryUpdate({{"j", {Group({b_->address()})}}});
  ASSERT_TRUE(WaitFor([&] { return IsStale(Up("j", *a_)); }));
  EXPECT_TRUE(IsStale(storage_.Samples(Series("ma", "j", *a_))));
  EXPECT_FALSE(IsStale(Up("j", *b_)));
  const auto active = manager_->ActiveTargets();
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].scrape_url, "http://" + b_->address() + "/metrics");
  EXPECT_EQ(storage_.bad_refs(), 0);
}

TEST_F(ScrapeManagerTest, DuplicateTargetsAreOne) {
  config::Config cfg;
  cfg.scrape_configs = {Job("j")};
  ASSERT_TRUE(manager_->ApplyConfig(cfg).ok());
  manager_->OnDiscoveryUpdate({{"j", {Group({a_->address(), a_->address()})}}});
  ASSERT_TRUE(WaitUp("j", *a_, 1));
  EXPECT_EQ(manager_->ActiveTargets().size(), 1u);
}

TEST_F(ScrapeManagerTest, ApplyConfigRestartsChangedJobsOnly) {
  config::Config cfg;
  cfg.scrape_configs = {Job("j1"), Job("j2")};
  ASSERT_TRUE(manager_->ApplyConfig(cfg).ok());
  manager_->OnDiscoveryUpdate({{"j1", {Group({a_->address()})}}, {"j2", {Group({b_->address()})}}});
  ASSERT_TRUE(WaitUp("j1", *a_, 2));
  ASSERT_TRUE(WaitUp("j2", *b_, 2));

  cfg.scrape_configs[1].sample_limit = 1000;  // j2 changes
  ASSERT_TRUE(manager_->ApplyConfig(cfg).ok());
  const size_t b_before = Up("j2", *b_).size();
  ASSERT_TRUE(WaitUp("j2", *b_, b_before + 2));
  ASSERT_TRUE(WaitUp("j1", *a_, Up("j1", *a_).size() + 1));
  // j2's new loop started with a new cache: series added again; no stale marker in between.
  const auto added_b = SeriesAdded("j2", *b_);
  int restarts = 0;
  for (const auto& s : added_b) restarts += s.v > 0;
  EXPECT_EQ(restarts, 2);
  for (const auto& s : Up("j2", *b_)) EXPECT_FALSE(IsStaleNaN(s.v));
  const auto added_a = SeriesAdded("j1", *a_);
  for (size_t i = 1; i < added_a.size(); ++i) EXPECT_EQ(added_a[i].v, 0);

  cfg.scrape_configs.erase(cfg.scrape_configs.begin());  // j1 is gone
  ASSERT_TRUE(manager_->ApplyConfig(cfg).ok());
  ASSERT_TRUE(WaitFor([&] { return IsStale(Up("j1", *a_)); }));
  EXPECT_EQ(manager_->ScrapePools(), std::vector<std::string>{"j2"});
}

TEST_F(ScrapeManagerTest, AFailingTargetIsDownWhileOthersStayUp) {
  b_->SetBody("oops", 500);
  config::Config cfg;
  cfg.scrape_configs = {Job("j")};
  ASSERT_TRUE(manager_->ApplyConfig(cfg).ok());
  manager_->OnDiscoveryUpdate({{"j", {Group({a_->address(), b_->address()})}}});
  ASSERT_TRUE(WaitFor([&] {
    auto a = Find(*a_);
    auto b = Find(*b_);
    return a && b && a->health == TargetHealth::kUp && b->health == TargetHealth::kDown;
  }));
  const TargetStatus a = *Find(*a_);
  const TargetStatus b = *Find(*b_);
  EXPECT_EQ(b.last_error, "server returned HTTP status 500 Internal Server Error");
  EXPECT_EQ(a.last_error, "");
  EXPECT_EQ(a.scrape_pool, "j");
  EXPECT_EQ(a.interval, 100ms);
  EXPECT_EQ(a.labels, (Labels{{"job", "j"}, {"instance", a_->address()}}));
  EXPECT_EQ(a.discovered.Get("__address__"), a_->address());
  EXPECT_NE(a.last_scrape, std::chrono::system_clock::time_point{});
  EXPECT_EQ(TargetHealthName(b.health), "down");
}

TEST_F(ScrapeManagerTest, TargetLimitFailsEveryTarget) {
  config::Config cfg;
  cfg.scrape_configs = {Job("j")};
  cfg.scrape_configs[0].target_limit = 1;
  ASSERT_TRUE(manager_->ApplyConfig(cfg).ok());
  manager_->OnDiscoveryUpdate({{"j", {Group({a_->address(), b_->address()})}}});
  ASSERT_TRUE(WaitFor([&] {
    auto t = manager_->ActiveTargets();
    return t.size() == 2 && std::all_of(t.begin(), t.end(), [](const TargetStatus& s) {
             return s.health == TargetHealth::kDown;
           });
  }));
  for (const TargetStatus& s : manager_->ActiveTargets()) {
    EXPECT_EQ(s.last_error, "target_limit exceeded (number of targets: 2, limit: 1)");
  }
  // Back under the limit: scrapes work again.
  manager_->OnDiscoveryUpdate({{"j", {Group({a_->address()})}}});
  ASSERT_TRUE(WaitFor([&] {
    auto a = Find(*a_);
    return a && a->health == TargetHealth::kUp;
  }));
}

TEST_F(ScrapeManagerTest, DroppedTargetsAreListed) {
  config::Config cfg;
  cfg.scrape_configs = {Job("j")};
  config::RelabelConfig drop;
  drop.source_labels = {"__address__"};
  drop.regex_text = b_->address();
  std::string err;
  drop.regex = config::CompileAnchoredRegex(drop.regex_text, &err);
  drop.action = config::RelabelAction::kDrop;
  cfg.scrape_configs[0].relabel_configs = {drop};
  ASSERT_TRUE(manager_->ApplyConfig(cfg).ok());
  manager_->OnDiscoveryUpdate({{"j", {Group({a_->address(), b_->address()})}}});
  ASSERT_EQ(manager_->ActiveTargets().size(), 1u);
  const auto dropped = manager_->DroppedTargets();
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0].scrape_pool, "j");
  EXPECT_EQ(dropped[0].discovered.Get("__address__"), b_->address());
}

TEST_F(ScrapeManagerTest, StopIsPromptAndWritesNoStaleMarkers) {
  auto pending = std::make_shared<std::vector<http::Reply>>();
  auto mu = std::make_shared<std::mutex>();
  config::Config cfg;
  cfg.scrape_configs = {Job("j")};
  cfg.scrape_configs[0].scrape_interval = 10s;
  cfg.scrape_configs[0].scrape_timeout = 10s;
  ASSERT_TRUE(manager_->ApplyConfig(cfg).ok());
  manager_->OnDiscoveryUpdate({{"j", {Group({a_->address()})}}});
  // a's first scrape comes within 10 s; b is made to hang from its first request.
  b_->SetHandler([pending, mu](const http::Request&, http::Reply reply) {
    std::lock_guard lock(*mu);
    pending->push_back(std::move(reply));
  });
  cfg.scrape_configs.push_back(Job("h"));
  ASSERT_TRUE(manager_->ApplyConfig(cfg).ok());
  manager_->OnDiscoveryUpdate({{"j", {Group({a_->address()})}}, {"h", {Group({b_->address()})}}});
  ASSERT_TRUE(WaitFor([&] { return b_->requests() >= 1; }));
  manager_->Stop();  // cancels b's request in flight
  EXPECT_TRUE(manager_->ActiveTargets().empty());
  for (const auto& [labels, samples] : storage_.All()) {
    for (const auto& s : samples) EXPECT_FALSE(IsStaleNaN(s.v)) << labels.ToString();
  }
}

TEST_F(ScrapeManagerTest, MetadataFromTheLastScrape) {
  a_->SetBody("# HELP ma Help of ma.\n# TYPE ma counter\nma 1\n");
  config::Config cfg;
  cfg.scrape_configs = {Job("j")};
  ASSERT_TRUE(manager_->ApplyConfig(cfg).ok());
  manager_->OnDiscoveryUpdate({{"j", {Group({a_->address()})}}});
  ASSERT_TRUE(WaitUp("j", *a_, 1));
  const auto md = manager_->TargetsMetadata();
  ASSERT_EQ(md.size(), 1u);
  EXPECT_EQ(md[0].target.Get("instance"), a_->address());
  ASSERT_EQ(md[0].metadata.size(), 1u);
  EXPECT_EQ(md[0].metadata[0].type, "counter");
  EXPECT_EQ(md[0].metadata[0].help, "Help of ma.");
}

}  // namespace
}  // namespace tsdbd::scrape
