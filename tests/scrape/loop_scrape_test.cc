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

}  // namespace
}  // namespace tsdbd::scrape
