// The real tsdbd binary on loopback: endpoints, flags, reload, shutdown, data-dir lock.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "tests/testing/exposition.h"
#include "tests/testing/process.h"
#include "tests/testing/tsdbd_process.h"

namespace tsdbd {
namespace {

using testing::MetricValue;

using testing::HttpRequest;
using testing::TempDir;
using testing::TsdbdProcess;
using namespace std::chrono_literals;

constexpr char kGoodConfig[] = R"(global:
  scrape_interval: 15s
scrape_configs:
  - job_name: tsdbd
    static_configs:
      - targets: ["localhost:9090"]
)";

constexpr char kOtherGoodConfig[] = R"(global:
  scrape_interval: 30s
scrape_configs:
  - job_name: renamed
    static_configs:
      - targets: ["localhost:9090"]
)";

constexpr char kBadConfig[] = R"(global:
  scrape_interval: 15s
scrape_configs:
  - job_name: tsdbd
    scrape_timeout: 1m
)";

boost::json::value Json(const std::string& body) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  EXPECT_FALSE(ec) << body;
  return v;
}

testing::HttpResponse Post(uint16_t port, const std::string& target) {
  HttpRequest r;
  r.method = "POST";
  r.target = target;
  return testing::Fetch(port, r);
}

class ServerTest : public ::testing::Test {
 protected:
  std::unique_ptr<TsdbdProcess> Start(std::vector<std::string> args = {},
                                      const char* config = kGoodConfig) {
    config_path_ = dir_.WriteFile("prometheus.yml", config);
    auto p = std::make_unique<TsdbdProcess>(TSDBD_BINARY, config_path_, std::move(args));
    EXPECT_TRUE(p->WaitReady()) << p->log();
    return p;
  }
  TempDir dir_;
  std::string config_path_;
};

TEST_F(ServerTest, HealthAndReadiness) {
  auto p = Start();
  auto healthy = p->Get("/-/healthy");
  EXPECT_EQ(healthy.status, 200);
  EXPECT_EQ(healthy.body, "Prometheus Server is Healthy.\n");
  auto ready = p->Get("/-/ready");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body, "Prometheus Server is Ready.\n");
  HttpRequest head;
  head.method = "HEAD";
  head.target = "/-/healthy";
  auto h = testing::Fetch(p->port(), head);
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.body, "");
}

TEST_F(ServerTest, StatusEndpointsUsePrometheussEnvelope) {
  auto p = Start({"--storage.tsdb.retention.time=30d", "--query.timeout=1m"});

  auto build = Json(p->Get("/api/v1/status/buildinfo").body);
  EXPECT_EQ(build.at("status"), "success");
  for (const char* key : {"version", "revision", "branch", "buildUser", "buildDate", "goVersion"}) {
    EXPECT_TRUE(build.at("data").as_object().contains(key)) << key;
  }
  EXPECT_EQ(build.at("data").at("version"), "2.42.0");

  auto flags = Json(p->Get("/api/v1/status/flags").body).at("data");
  EXPECT_EQ(flags.at("storage.tsdb.retention.time"), "30d");
  EXPECT_EQ(flags.at("query.timeout"), "1m");
  EXPECT_EQ(flags.at("query.max-samples"), "50000000");
  EXPECT_EQ(flags.at("web.enable-lifecycle"), "false");

  auto config = Json(p->Get("/api/v1/status/config").body).at("data");
  const std::string yaml(config.at("yaml").as_string());
  EXPECT_NE(yaml.find("scrape_interval: 15s"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("job_name: tsdbd"), std::string::npos) << yaml;

  auto runtime = Json(p->Get("/api/v1/status/runtimeinfo").body).at("data");
  EXPECT_EQ(runtime.at("reloadConfigSuccess"), true);
  EXPECT_EQ(runtime.at("storageRetention"), "30d");
  for (const char* key : {"startTime", "CWD", "lastConfigTime", "corruptionCount"}) {
    EXPECT_TRUE(runtime.as_object().contains(key)) << key;
  }
}

TEST_F(ServerTest, NotFoundAndMethodNotAllowed) {
  auto p = Start();
  auto missing = p->Get("/api/v1/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, "404 page not found\n");
  auto post = Post(p->port(), "/api/v1/status/buildinfo");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(p->Get("/-/reload").status, 405);
  EXPECT_EQ(p->Get("/-/reload").body, "Only POST or PUT requests allowed");
}

TEST_F(ServerTest, SelfMetricsUsePrometheusNames) {
  auto p = Start();
  p->Get("/-/ready");
  const std::string metrics = p->Get("/metrics").body;
  for (const char* name :
       {"process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds",
        "process_max_fds", "process_start_time_seconds", "process_virtual_memory_bytes",
        "prometheus_build_info{", "prometheus_config_last_reload_successful 1",
        "prometheus_config_last_reload_success_timestamp_seconds",
        "prometheus_http_requests_total{code=\"200\",handler=\"/-/ready\"}",
        "prometheus_http_request_duration_seconds_bucket{handler=\"/-/ready\",le=\"0.1\"}",
        "prometheus_ready 1", "prometheus_tsdb_head_series 0",
        "prometheus_tsdb_wal_segment_current 0", "prometheus_tsdb_wal_corruptions_total 0",
        "prometheus_tsdb_head_samples_appended_total{type=\"float\"} 0"}) {
    EXPECT_NE(metrics.find(name), std::string::npos) << name;
  }
}

TEST_F(ServerTest, GzipWhenAccepted) {
  auto p = Start();
  HttpRequest r;
  r.target = "/api/v1/status/flags";
  r.headers = {{"Accept-Encoding", "gzip"}};
  auto zipped = testing::Fetch(p->port(), r);
  EXPECT_EQ(zipped.status, 200);
  EXPECT_EQ(zipped.Header("Content-Encoding").value_or(""), "gzip");
  ASSERT_GE(zipped.body.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(zipped.body[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(zipped.body[1]), 0x8b);
  EXPECT_FALSE(p->Get("/api/v1/status/flags").Header("Content-Encoding").has_value());
}

TEST_F(ServerTest, CorsHeadersFollowTheOriginRegex) {
  auto p = Start({"--web.cors.origin=https?://grafana\\.example\\.com"});
  HttpRequest r;
  r.target = "/api/v1/status/buildinfo";
  r.headers = {{"Origin", "https://grafana.example.com"}};
  auto allowed = testing::Fetch(p->port(), r);
  EXPECT_EQ(allowed.Header("Access-Control-Allow-Origin").value_or(""),
            "https://grafana.example.com");
  EXPECT_EQ(allowed.Header("Access-Control-Allow-Methods").value_or(""), "GET, POST, OPTIONS");
  r.headers = {{"Origin", "https://evil.example.com"}};
  auto refused = testing::Fetch(p->port(), r);
  EXPECT_FALSE(refused.Header("Access-Control-Allow-Origin").has_value());
  EXPECT_EQ(refused.Header("Vary").value_or(""), "Origin");
  EXPECT_FALSE(p->Get("/api/v1/status/buildinfo").Header("Vary").has_value());
}

TEST_F(ServerTest, CorsDefaultAllowsEveryOrigin) {
  auto p = Start();
  HttpRequest r;
  r.target = "/api/v1/status/flags";
  r.headers = {{"Origin", "http://anywhere"}};
  EXPECT_EQ(testing::Fetch(p->port(), r).Header("Access-Control-Allow-Origin").value_or(""), "*");
}

TEST_F(ServerTest, FormatQueryAndExemplars) {
  auto p = Start();
  auto formatted = Json(p->Get("/api/v1/format_query?query=sum(rate(x%5B5m%5D))by(job)").body);
  EXPECT_EQ(formatted.at("data"), "sum by (job) (rate(x[5m]))");
  HttpRequest post;
  post.method = "POST";
  post.target = "/api/v1/format_query";
  post.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  post.body = "query=a+b";
  auto bad = testing::Fetch(p->port(), post);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Json(bad.body).at("error"),
            "invalid parameter \"query\": 1:3: parse error: unexpected identifier \"b\"");

  EXPECT_EQ(p->Get("/api/v1/query_exemplars?query=up").body, R"({"status":"success","data":[]})");
  EXPECT_EQ(p->Get("/api/v1/query_exemplars?query=1").status, 204);
  auto reversed = p->Get("/api/v1/query_exemplars?query=up&start=10&end=5");
  EXPECT_EQ(reversed.status, 400);
  EXPECT_EQ(Json(reversed.body).at("error"), "end timestamp must not be before start timestamp");
  HttpRequest options;
  options.method = "OPTIONS";
  options.target = "/api/v1/query";
  EXPECT_EQ(testing::Fetch(p->port(), options).status, 204);
}

TEST_F(ServerTest, LifecycleDisabledByDefault) {
  auto p = Start();
  auto reload = Post(p->port(), "/-/reload");
  EXPECT_EQ(reload.status, 403);
  EXPECT_EQ(reload.body, "Lifecycle API is not enabled.");
  EXPECT_EQ(Post(p->port(), "/-/quit").status, 403);
}

TEST_F(ServerTest, BadReloadKeepsRunningConfig) {
  auto p = Start({"--web.enable-lifecycle"});
  dir_.WriteFile("prometheus.yml", kBadConfig);
  auto reload = Post(p->port(), "/-/reload");
  EXPECT_EQ(reload.status, 500);
  EXPECT_NE(reload.body.find("failed to reload config"), std::string::npos) << reload.body;
  EXPECT_EQ(MetricValue(p->Get("/metrics").body, "prometheus_config_last_reload_successful"), 0);
  auto runtime = Json(p->Get("/api/v1/status/runtimeinfo").body).at("data");
  EXPECT_EQ(runtime.at("reloadConfigSuccess"), false);
  const auto yaml = Json(p->Get("/api/v1/status/config").body).at("data").at("yaml");
  EXPECT_NE(std::string(yaml.as_string()).find("job_name: tsdbd"), std::string::npos);
  EXPECT_TRUE(p->Get("/-/ready").status == 200);

  dir_.WriteFile("prometheus.yml", kOtherGoodConfig);
  EXPECT_EQ(Post(p->port(), "/-/reload").status, 200);
  EXPECT_EQ(MetricValue(p->Get("/metrics").body, "prometheus_config_last_reload_successful"), 1);
  const auto new_yaml = Json(p->Get("/api/v1/status/config").body).at("data").at("yaml");
  EXPECT_NE(std::string(new_yaml.as_string()).find("job_name: renamed"), std::string::npos);
}

TEST_F(ServerTest, SighupReloads) {
  auto p = Start();
  dir_.WriteFile("prometheus.yml", kOtherGoodConfig);
  p->process().Signal(SIGHUP);
  EXPECT_TRUE(testing::WaitUntil([&] {
    auto body = p->Get("/api/v1/status/config").body;
    return body.find("job_name: renamed") != std::string::npos;
  }));
  dir_.WriteFile("prometheus.yml", kBadConfig);
  p->process().Signal(SIGHUP);
  EXPECT_TRUE(testing::WaitUntil([&] {
    return MetricValue(p->Get("/metrics").body, "prometheus_config_last_reload_successful") == 0;
  }));
  EXPECT_NE(p->Get("/api/v1/status/config").body.find("job_name: renamed"), std::string::npos);
  EXPECT_NE(p->log().find("scrape timeout (1m) greater than scrape interval"), std::string::npos)
      << p->log();
}

TEST_F(ServerTest, QuitStopsTheProcess) {
  auto p = Start({"--web.enable-lifecycle"});
  auto quit = Post(p->port(), "/-/quit");
  EXPECT_EQ(quit.status, 200);
  EXPECT_EQ(quit.body, "Requesting termination... Goodbye!");
  EXPECT_EQ(p->process().Wait(20s), 0) << p->log();
}

TEST_F(ServerTest, SigtermAndSigintShutDownGracefully) {
  for (int sig : {SIGTERM, SIGINT}) {
    auto p = Start();
    p->process().Signal(sig);
    EXPECT_EQ(p->process().Wait(25s), 0) << p->log();
    EXPECT_EQ(p->Get("/-/healthy").status, 0);  // nothing listens any more
  }
}

TEST_F(ServerTest, RoutePrefix) {
  auto p = Start({"--web.route-prefix=/prom"});
  EXPECT_EQ(p->Get("/prom/-/healthy").status, 200);
  EXPECT_EQ(p->Get("/prom/api/v1/status/buildinfo").status, 200);
  EXPECT_EQ(p->Get("/api/v1/status/buildinfo").status, 404);
}

TEST_F(ServerTest, SecondProcessOnSameDataDirIsRefused) {
  auto first = Start();
  const std::string config = dir_.WriteFile("prometheus.yml", kGoodConfig);
  auto second = testing::Run({TSDBD_BINARY, "--config.file=" + config,
                              "--storage.tsdb.path=" + first->data_dir(),
                              "--web.listen-address=127.0.0.1:" +
                                  std::to_string(testing::FreePort())},
                             30s);
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.output.find("lock DB directory"), std::string::npos) << second.output;
}

TEST(Startup, BadConfigExitsWithOne) {
  TempDir dir;
  const std::string config = dir.WriteFile("prometheus.yml", kBadConfig);
  auto r = testing::Run({TSDBD_BINARY, "--config.file=" + config,
                         "--storage.tsdb.path=" + dir.path() + "/data",
                         "--web.listen-address=127.0.0.1:" + std::to_string(testing::FreePort())},
                        30s);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("prometheus.yml:5:"), std::string::npos) << r.output;
}

TEST(Startup, BadFlagsExitWithTwoAndOneLine) {
  for (const char* arg : {"--no-such-flag", "--query.timeout=soon", "--log.level=loud",
                          "--storage.tsdb.retention.size=12", "stray"}) {
    auto r = testing::Run({TSDBD_BINARY, arg}, 30s);
    EXPECT_EQ(r.exit_code, 2) << arg;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  }
}

TEST(Startup, VersionAndHelp) {
  auto version = testing::Run({TSDBD_BINARY, "--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.output.rfind("tsdbd, version ", 0), 0u) << version.output;
  auto help = testing::Run({TSDBD_BINARY, "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("--storage.tsdb.retention.time"), std::string::npos);
}

TEST(Startup, AddressInUseExitsWithOne) {
  TempDir dir;
  const std::string config = dir.WriteFile("prometheus.yml", kGoodConfig);
  TsdbdProcess first(TSDBD_BINARY, config);
  ASSERT_TRUE(first.WaitReady()) << first.log();
  auto r = testing::Run({TSDBD_BINARY, "--config.file=" + config,
                         "--storage.tsdb.path=" + dir.path() + "/other",
                         "--web.listen-address=127.0.0.1:" + std::to_string(first.port())},
                        30s);
  EXPECT_EQ(r.exit_code, 1) << r.output;
}

}  // namespace
}  // namespace tsdbd
