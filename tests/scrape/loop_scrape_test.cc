// ScrapeLoop against a real HTTP target on 127.0.0.1, into a recording storage: samples,
// labels, synthetic series, timestamps, staleness, and every way a scrape fails.
#include <gtest/gtest.h>

#include "lib/config/config.h"
#include "lib/metrics/registry.h"
#include "lib/net/http_client.h"
#include "lib/net/io_runtime.h"
#include "lib/scrape/loop/scrape_loop.h"
#include "lib/scrape/target/target.h"
#include "lib/scrape/textparse/content_type.h"
#include "tests/scrape/loop_test_util.h"

namespace tsdbd::scrape {
namespace {

using namespace std::chrono_literals;
using testing::RecordingStorage;
using testing::TargetServer;
using testing::WaitFor;

class ScrapeLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(runtime_.Start().ok());
    server_ = std::make_unique<TargetServer>(runtime_);
    cfg_.job_name = "job1";
    cfg_.scrape_interval = 100ms;
    cfg_.scrape_timeout = 100ms;
    auto client = net::HttpClient::Create(runtime_, cfg_.http_client);
    ASSERT_TRUE(client.ok());
    client_ = *client;
  }
  void TearDown() override {
    for (auto& l : loops_) l->Abort();
    loops_.clear();
    server_->Stop();
    runtime_.Stop();
  }

  Target MakeTarget(const std::string& address, Labels extra = {}) {
    TargetPopulator p(cfg_);
    LabelsBuilder b(extra);
    b.Set("__address__", address);
    Result<Target> t = p.Populate(b.Build());
    EXPECT_TRUE(t.ok()) << t.error().message();
    return *t;
  }
  std::shared_ptr<ScrapeLoop> StartLoop(Target t) {
    auto loop = ScrapeLoop::Create({&runtime_, client_, &storage_, &metrics_}, cfg_, std::move(t),
                                   /*jitter_seed=*/42);
    loop->Start();
    loops_.push_back(loop);
    return loop;
  }
  Labels WithTarget(std::initializer_list<std::pair<std::string_view, std::string_view>> l) {
    LabelsBuilder b{Labels(l)};
    b.Set("instance", server_->address());
    b.Set("job", "job1");
    return b.Build();
  }
  Labels Up() { return WithTarget({{"__name__", "up"}}); }
  // Waits until `up` of the fixture target has at least n samples.
  bool WaitScrapes(size_t n) {
    return WaitFor([&] { return storage_.Samples(Up()).size() >= n; });
  }

  net::IoRuntime runtime_{2};
  metrics::Registry registry_;
  ScrapeMetrics metrics_{registry_};
  RecordingStorage storage_;
  config::ScrapeConfig cfg_;
  std::shared_ptr<net::HttpClient> client_;
  std::unique_ptr<TargetServer> server_;
  std::vector<std::shared_ptr<ScrapeLoop>> loops_;
};

TEST_F(ScrapeLoopTest, AppendsSamplesWithTargetLabelsAtTheScrapeStart) {
  server_->SetBody("# HELP m A gauge.\n# TYPE m gauge\nm{a=\"1\"} 5\nm{a=\"2\"} 6.5\nother 1\n");
  auto loop = StartLoop(MakeTarget(server_->address()));
  ASSERT_TRUE(WaitScrapes(3));
  loop->Stop();

  const auto up = storage_.Samples(Up());
  const auto m1 = storage_.Samples(WithTarget({{"__name__", "m"}, {"a", "1"}}));
  const auto m2 = storage_.Samples(WithTarget({{"__name__", "m"}, {"a", "2"}}));
  ASSERT_GE(m1.size(), 3u);
  ASSERT_EQ(m1.size(), up.size());
  ASSERT_EQ(m2.size(), up.size());
  for (size_t i = 0; i < up.size(); ++i) {
    EXPECT_EQ(up[i].v, 1);
    EXPECT_EQ(m1[i].t, up[i].t);
    EXPECT_EQ(m1[i].v, 5);
    EXPECT_EQ(m2[i].v, 6.5);
    if (i > 0) {
      EXPECT_GT(up[i].t, up[i - 1].t);
    }
  }
  // Synthetic series, same timestamps.
  const auto scraped = storage_.Samples(WithTarget({{"__name__", "scrape_samples_scraped"}}));
  const auto post =
      storage_.Samples(WithTarget({{"__name__", "scrape_samples_post_metric_relabeling"}}));
  const auto added = storage_.Samples(WithTarget({{"__name__", "scrape_series_added"}}));
  const auto duration = storage_.Samples(WithTarget({{"__name__", "scrape_duration_seconds"}}));
  ASSERT_EQ(scraped.size(), up.size());
  ASSERT_EQ(added.size(), up.size());
  ASSERT_EQ(duration.size(), up.size());
  EXPECT_EQ(scraped[0].v, 3);
  EXPECT_EQ(post[0].v, 3);
  EXPECT_EQ(added[0].v, 3);
  EXPECT_EQ(added[1].v, 0);
  EXPECT_EQ(scraped[0].t, up[0].t);
  EXPECT_GT(duration[0].v, 0);
  EXPECT_EQ(storage_.bad_refs(), 0);

  // Timestamps are the scrape's start: wall-clock now, not in the future.
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  EXPECT_LE(up.back().t, now_ms);
  EXPECT_GT(up.back().t, now_ms - 60'000);

  // Request headers as Prometheus 2.42 sends them.
  EXPECT_EQ(server_->header("Accept"), std::string(textparse::kScrapeAcceptHeader));
  EXPECT_EQ(server_->header("User-Agent"), "Prometheus/2.42.0");
  EXPECT_EQ(server_->header("X-Prometheus-Scrape-Timeout-Seconds"), "0.1");
  EXPECT_EQ(server_->header("Accept-Encoding"), "gzip");

  const TargetStatus st = loop->Status();
  EXPECT_EQ(st.health, TargetHealth::kUp);
  EXPECT_EQ(st.last_error, "");
  EXPECT_EQ(st.scrape_url, "http://" + server_->address() + "/metrics");
  EXPECT_EQ(st.scrape_pool, "job1");
  EXPECT_EQ(st.labels, WithTarget({}));
  EXPECT_GT(st.last_scrape_duration_seconds, 0);

  const auto meta = loop->Metadata();
  ASSERT_EQ(meta.size(), 1u);
  EXPECT_EQ(meta[0].metric, "m");
  EXPECT_EQ(meta[0].type, "gauge");
  EXPECT_EQ(meta[0].help, "A gauge.");
}

bool IsStale(const std::vector<storage::Sample>& s) {
  return !s.empty() && IsStaleNaN(s.back().v);
}

TEST_F(ScrapeLoopTest, SeriesGoneFromTheBodyGetsAStaleMarkerAtTheScrapeTime) {
  server_->SetBody("m{a=\"1\"} 1\nm{a=\"2\"} 2\n");
  StartLoop(MakeTarget(server_->address()));
  ASSERT_TRUE(WaitScrapes(2));
  server_->SetBody("m{a=\"1\"} 1\n");
  const Labels gone = WithTarget({{"__name__", "m"}, {"a", "2"}});
  ASSERT_TRUE(WaitFor([&] { return IsStale(storage_.Samples(gone)); }));
  const auto g = storage_.Samples(gone);
  const auto up = storage_.Samples(Up());
  bool at_scrape = false;
  for (const auto& s : up) at_scrape |= s.t == g.back().t;
  EXPECT_TRUE(at_scrape);
  EXPECT_FALSE(IsStale(storage_.Samples(WithTarget({{"__name__", "m"}, {"a", "1"}}))));
  // The stale marker is written once.
  ASSERT_TRUE(WaitScrapes(up.size() + 2));
  const auto later = storage_.Samples(gone);
  EXPECT_EQ(later.size(), g.size());
}

TEST_F(ScrapeLoopTest, StopWritesEndOfRunStaleMarkersForEverySeries) {
  server_->SetBody("m 1\n");
  auto loop = StartLoop(MakeTarget(server_->address()));
  ASSERT_TRUE(WaitScrapes(2));
  loop->Stop();
  ASSERT_TRUE(WaitFor([&] { return loop->Done(); }));
  for (const char* name : {"m", "up", "scrape_duration_seconds", "scrape_samples_scraped",
                           "scrape_samples_post_metric_relabeling", "scrape_series_added"}) {
    EXPECT_TRUE(IsStale(storage_.Samples(WithTarget({{"__name__", name}})))) << name;
  }
  const auto up = storage_.Samples(Up());
  ASSERT_GE(up.size(), 3u);
  EXPECT_GT(up.back().t, up[up.size() - 2].t);
}

TEST_F(ScrapeLoopTest, AbortWritesNoStaleMarkers) {
  server_->SetBody("m 1\n");
  auto loop = StartLoop(MakeTarget(server_->address()));
  ASSERT_TRUE(WaitScrapes(2));
  loop->Abort();
  EXPECT_TRUE(loop->Done());
  EXPECT_FALSE(IsStale(storage_.Samples(Up())));
  EXPECT_FALSE(IsStale(storage_.Samples(WithTarget({{"__name__", "m"}}))));
}

// Runs a loop until its target is down; returns its status.
TargetStatus ScrapeUntilDown(ScrapeLoopTest*, std::shared_ptr<ScrapeLoop> loop) {
  EXPECT_TRUE(WaitFor([&] { return loop->Status().health == TargetHealth::kDown; }));
  return loop->Status();
}

TEST_F(ScrapeLoopTest, Http500FailsTheScrapeAndMarksPreviousSeriesStale) {
  server_->SetBody("m 1\n");
  auto loop = StartLoop(MakeTarget(server_->address()));
  ASSERT_TRUE(WaitScrapes(1));
  server_->SetBody("m 2\n", 500);
  TargetStatus st = ScrapeUntilDown(this, loop);
  EXPECT_EQ(st.last_error, "server returned HTTP status 500 Internal Server Error");
  ASSERT_TRUE(WaitFor([&] { return storage_.Samples(Up()).back().v == 0; }));
  const auto m = storage_.Samples(WithTarget({{"__name__", "m"}}));
  EXPECT_TRUE(IsStale(m));
  for (const auto& s : m) EXPECT_NE(s.v, 2);
  const auto up = storage_.Samples(Up());
  EXPECT_EQ(m.back().t, up.back().t);
  // Recovery.
  server_->SetBody("m 3\n");
  ASSERT_TRUE(WaitFor([&] { return loop->Status().health == TargetHealth::kUp; }));
  EXPECT_EQ(loop->Status().last_error, "");
}

TEST_F(ScrapeLoopTest, ParseErrorAppendsNothingOfTheBody) {
  server_->SetBody("good 1\nbad{ 2\n");
  auto loop = StartLoop(MakeTarget(server_->address()));
  TargetStatus st = ScrapeUntilDown(this, loop);
  EXPECT_EQ(st.last_error.rfind("line 2:", 0), 0u) << st.last_error;
  ASSERT_TRUE(WaitScrapes(2));
  loop->Stop();
  EXPECT_TRUE(storage_.Samples(WithTarget({{"__name__", "good"}})).empty());
  const auto up = storage_.Samples(Up());
  for (const auto& s : up) EXPECT_EQ(s.v, 0);
  EXPECT_EQ(storage_.Samples(WithTarget({{"__name__", "scrape_samples_scraped"}}))[0].v, 1);
  EXPECT_GE(storage_.rollbacks(), 1);
  EXPECT_EQ(storage_.bad_refs(), 0);
}

TEST_F(ScrapeLoopTest, TimeoutWhenTheTargetNeverReplies) {
  auto pending = std::make_shared<std::vector<http::Reply>>();
  auto mu = std::make_shared<std::mutex>();
  server_->SetHandler([pending, mu](const http::Request&, http::Reply reply) {
    std::lock_guard lock(*mu);
    pending->push_back(std::move(reply));
  });
  auto loop = StartLoop(MakeTarget(server_->address()));
  TargetStatus st = ScrapeUntilDown(this, loop);
  EXPECT_EQ(st.last_error,
            "Get \"http://" + server_->address() + "/metrics\": context deadline exceeded");
  ASSERT_TRUE(WaitScrapes(1));
  EXPECT_EQ(storage_.Samples(Up())[0].v, 0);
}

TEST_F(ScrapeLoopTest, ConnectionRefusedWhenTheServerIsGone) {
  server_->SetBody("m 1\n");
  const std::string address = server_->address();
  auto loop = StartLoop(MakeTarget(address));
  ASSERT_TRUE(WaitScrapes(1));
  server_->Stop();
  TargetStatus st = ScrapeUntilDown(this, loop);
  EXPECT_NE(st.last_error.find("Get \"http://" + address + "/metrics\""), std::string::npos)
      << st.last_error;
  EXPECT_NE(st.last_error.find("connection refused"), std::string::npos) << st.last_error;
}

TEST_F(ScrapeLoopTest, BodySizeLimit) {
  cfg_.body_size_limit = 10;
  server_->SetBody("a_long_metric_name 1\n");
  auto loop = StartLoop(MakeTarget(server_->address()));
  EXPECT_EQ(ScrapeUntilDown(this, loop).last_error, "body size limit exceeded");
  EXPECT_GE(metrics_.exceeded_body_size_limit_total.Value(), 1);
}

TEST_F(ScrapeLoopTest, SampleLimitFailsTheScrapeAndAppendsNothing) {
  cfg_.sample_limit = 2;
  server_->SetBody("a 1\nb 2\nc 3\n");
  auto loop = StartLoop(MakeTarget(server_->address()));
  EXPECT_EQ(ScrapeUntilDown(this, loop).last_error, "sample limit exceeded");
  ASSERT_TRUE(WaitScrapes(1));
  loop->Stop();
  EXPECT_TRUE(storage_.Samples(WithTarget({{"__name__", "a"}})).empty());
  EXPECT_EQ(storage_.Samples(WithTarget({{"__name__", "scrape_samples_scraped"}}))[0].v, 3);
  EXPECT_GE(metrics_.exceeded_sample_limit_total.Value(), 1);
}

TEST_F(ScrapeLoopTest, LabelLimitsUsePrometheusMessages) {
  cfg_.label_limit = 3;
  server_->SetBody("m{a=\"1\",b=\"2\"} 1\n");
  auto loop = StartLoop(MakeTarget(server_->address()));
  EXPECT_EQ(ScrapeUntilDown(this, loop).last_error,
            "label_limit exceeded (metric: m, number of labels: 5, limit: 3)");
  loop->Abort();
  cfg_.label_limit = 0;
  cfg_.label_value_length_limit = 3;
  server_->SetBody("m{a=\"long\"} 1\n");
  auto loop2 = StartLoop(MakeTarget(server_->address()));
  EXPECT_EQ(ScrapeUntilDown(this, loop2).last_error,
            "label_value_length_limit exceeded (metric: m, label name: a, value: \"long\", "
            "limit: 3)");
}

TEST_F(ScrapeLoopTest, ConflictingLabelsAreExportedUnlessHonorLabels) {
  server_->SetBody("m{job=\"x\",instance=\"y\",exported_job=\"z\"} 1\n");
  StartLoop(MakeTarget(server_->address()));
  ASSERT_TRUE(WaitScrapes(1));
  const auto ms = storage_.Named("m");
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(ms[0].ToString(), Labels({{"__name__", "m"},
                                      {"job", "job1"},
                                      {"instance", server_->address()},
                                      {"exported_instance", "y"},
                                      {"exported_job", "z"},
                                      {"exported_exported_job", "x"}})
                                  .ToString());
}

TEST_F(ScrapeLoopTest, HonorLabelsKeepsScrapedValues) {
  cfg_.honor_labels = true;
  server_->SetBody("m{job=\"x\"} 1\n");
  StartLoop(MakeTarget(server_->address()));
  ASSERT_TRUE(WaitScrapes(1));
  const auto ms = storage_.Named("m");
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(ms[0], Labels({{"__name__", "m"}, {"job", "x"}, {"instance", server_->address()}}));
}

TEST_F(ScrapeLoopTest, HonorTimestamps) {
  server_->SetBody("m 1 1000\n");
  auto loop = StartLoop(MakeTarget(server_->address()));
  ASSERT_TRUE(WaitScrapes(2));
  loop->Abort();
  const auto m = storage_.Samples(WithTarget({{"__name__", "m"}}));
  ASSERT_EQ(m.size(), 1u);  // later scrapes: duplicates of the same sample
  EXPECT_EQ(m[0].t, 1000);

  cfg_.honor_timestamps = false;
  const size_t before = storage_.Samples(Up()).size();
  auto loop2 = StartLoop(MakeTarget(server_->address()));
  ASSERT_TRUE(WaitScrapes(before + 1));
  loop2->Abort();
  const auto m2 = storage_.Samples(WithTarget({{"__name__", "m"}}));
  ASSERT_GE(m2.size(), 2u);
  EXPECT_EQ(m2.back().t, storage_.Samples(Up()).back().t);
}

TEST_F(ScrapeLoopTest, OutOfOrderSamplesAreCountedNotFatal) {
  server_->SetBody("m 1 5000\n");
  auto loop = StartLoop(MakeTarget(server_->address()));
  ASSERT_TRUE(WaitScrapes(1));
  server_->SetBody("m 1 4000\nn 2\n");
  ASSERT_TRUE(WaitFor([&] { return metrics_.sample_out_of_order_total.Value() >= 1; }));
  ASSERT_TRUE(WaitFor([&] { return !storage_.Samples(WithTarget({{"__name__", "n"}})).empty(); }));
  EXPECT_EQ(loop->Status().health, TargetHealth::kUp);
}

TEST_F(ScrapeLoopTest, MetricRelabelingDropsAndRenames) {
  config::RelabelConfig drop;
  drop.source_labels = {"__name__"};
  drop.regex_text = "drop_me";
  std::string re_err;
  drop.regex = config::CompileAnchoredRegex(drop.regex_text, &re_err);
  drop.action = config::RelabelAction::kDrop;
  cfg_.metric_relabel_configs = {drop};
  server_->SetBody("drop_me 1\nkeep 2\n");
  auto loop = StartLoop(MakeTarget(server_->address()));
  ASSERT_TRUE(WaitScrapes(2));
  loop->Abort();
  EXPECT_TRUE(storage_.Named("drop_me").empty());
  EXPECT_EQ(storage_.Named("keep").size(), 1u);
  EXPECT_EQ(storage_.Samples(WithTarget({{"__name__", "scrape_samples_scraped"}}))[0].v, 2);
  EXPECT_EQ(
      storage_.Samples(WithTarget({{"__name__", "scrape_samples_post_metric_relabeling"}}))[0].v,
      1);
}

}  // namespace
}  // namespace tsdbd::scrape
