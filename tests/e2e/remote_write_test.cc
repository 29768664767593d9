// Prometheus 2.42 as a remote-write sender into tsdbd: what tsdbd stores must equal what
// Prometheus stored itself.
#include <gtest/gtest.h>

#include "tests/testing/process.h"
#include "tests/testing/prometheus_process.h"
#include "tests/testing/tsdbd_process.h"

namespace tsdbd {
namespace {

using namespace std::chrono_literals;

constexpr char kTsdbdConfig[] = "global:\n  scrape_interval: 15s\n";

TEST(RemoteWrite, DisabledByDefault) {
  testing::TempDir dir;
  testing::TsdbdProcess tsdbd(TSDBD_BINARY, dir.WriteFile("p.yml", kTsdbdConfig));
  ASSERT_TRUE(tsdbd.WaitReady()) << tsdbd.log();
  testing::HttpRequest r;
  r.method = "POST";
  r.target = "/api/v1/write";
  auto response = testing::Fetch(tsdbd.port(), r);
  EXPECT_EQ(response.status, 404);
  // Prometheus 2.42 answers so, naming the older feature flag.
  EXPECT_EQ(
      response.body,
      "remote write receiver needs to be enabled with --enable-feature=remote-write-receiver\n");
}

TEST(RemoteWrite, MalformedBodyIs400) {
  testing::TempDir dir;
  testing::TsdbdProcess tsdbd(TSDBD_BINARY, dir.WriteFile("p.yml", kTsdbdConfig),
                              {"--web.enable-remote-write-receiver"});
  ASSERT_TRUE(tsdbd.WaitReady()) << tsdbd.log();
  testing::HttpRequest r;
  r.method = "POST";
  r.target = "/api/v1/write";
  r.headers = {{"Content-Encoding", "snappy"}, {"Content-Type", "application/x-protobuf"}};
  r.body = "definitely not snappy";
  EXPECT_EQ(testing::Fetch(tsdbd.port(), r).status, 400);
  EXPECT_EQ(tsdbd.Get("/api/v1/label/__name__/values").body, R"({"status":"success","data":[]})");
}

TEST(RemoteWrite, PrometheusSenderStoresTheSameSamples) {
  if (!testing::HaveProgram("prometheus")) GTEST_SKIP() << "prometheus is not installed";
  testing::TempDir dir;
  testing::TsdbdProcess tsdbd(TSDBD_BINARY, dir.WriteFile("p.yml", kTsdbdConfig),
                              {"--web.enable-remote-write-receiver"});
  ASSERT_TRUE(tsdbd.WaitReady()) << tsdbd.log();
  const uint16_t prom_port = testing::FreePort();
  const std::string config =
      "global:\n  scrape_interval: 1s\nscrape_configs:\n"
      "  - job_name: prometheus\n    static_configs:\n"
      "      - targets: ['127.0.0.1:" +
      std::to_string(prom_port) +
      "']\n"
      "remote_write:\n  - url: http://127.0.0.1:" +
      std::to_string(tsdbd.port()) + "/api/v1/write\n" +
      "    queue_config: {batch_send_deadline: 1s}\n";
  testing::PrometheusProcess prometheus(dir.path() + "/prom", config, {}, prom_port);
  ASSERT_TRUE(prometheus.WaitReady()) << prometheus.log();

  // Wait until tsdbd holds several scrapes' worth of samples.
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        auto r = tsdbd.Get(
            "/api/v1/"
            "query?query=count_over_time(up%7Bjob%3D%22prometheus%22%7D%5B1m%5D)%20%3E%3D%2012");
        return r.body.find("\"value\"") != std::string::npos;
      },
      60s))
      << tsdbd.log();
  // A time both have fully received: a few seconds back.
  const int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  const std::string t = std::to_string(now_s - 3);
  for (const char* q : {"up%7Bjob%3D%22prometheus%22%7D%5B5s%5D", "prometheus_build_info%5B5s%5D",
                        "count(%7Bjob%3D%22prometheus%22%7D%20offset%203s)%20%3E%200"}) {
    const std::string target = std::string("/api/v1/query?query=") + q + "&time=" + t;
    const std::string ours = tsdbd.Get(target).body;
    EXPECT_NE(ours.find("\"value"), std::string::npos) << target << " " << ours;  // not empty
    EXPECT_EQ(ours, prometheus.Get(target).body) << target;
  }
  EXPECT_EQ(tsdbd.Get("/api/v1/label/job/values").body,
            R"({"status":"success","data":["prometheus"]})");
}

}  // namespace
}  // namespace tsdbd
