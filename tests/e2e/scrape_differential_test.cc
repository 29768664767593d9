// tsdbd and Prometheus 2.42 scrape the same targets with the same prometheus.yml: the series
// they store, their labels and the targets they report must be the same.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <set>

#include "tests/testing/process.h"
#include "tests/testing/prometheus_process.h"
#include "tests/testing/tsdbd_process.h"

namespace tsdbd {
namespace {

using namespace std::chrono_literals;

constexpr char kFixtureBody[] = R"(# HELP app_requests_total Requests.
# TYPE app_requests_total counter
app_requests_total{method="GET",code="200"} 1027
app_requests_total{method="POST",code="500"} 3
# TYPE app_temperature gauge
app_temperature{room="a b",job="collides"} 21.5
app_temperature{room="c\"d\\e"} -3.25e-2
# TYPE app_latency histogram
app_latency_bucket{le="0.1"} 5
app_latency_bucket{le="1"} 9
app_latency_bucket{le="+Inf"} 10
app_latency_sum 4.2
app_latency_count 10
go_goroutines 12
untyped_thing NaN
)";

std::string Config(uint16_t fixture_port, uint16_t node_port) {
  std::string c = "global:\n  scrape_interval: 1s\n  external_labels: {site: test}\n"
                  "scrape_configs:\n"
                  "  - job_name: fixture\n"
                  "    static_configs:\n"
                  "      - targets: ['127.0.0.1:" + std::to_string(fixture_port) + "']\n"
                  "        labels: {team: core}\n"
                  "    relabel_configs:\n"
                  "      - {source_labels: [__address__], regex: '(.*):.*', target_label: host}\n"
                  "    metric_relabel_configs:\n"
                  "      - {action: drop, source_labels: [__name__], regex: 'go_.*'}\n"
                  "      - {action: replace, source_labels: [method], target_label: verb}\n"
                  "  - job_name: dropped\n"
                  "    static_configs: [{targets: ['drop.me:1']}]\n"
                  "    relabel_configs: [{action: drop, source_labels: [__address__], regex: 'drop.*'}]\n";
  if (node_port != 0) {
    c += "  - job_name: node\n"
         "    static_configs: [{targets: ['127.0.0.1:" + std::to_string(node_port) + "']}]\n"
         "    metric_relabel_configs:\n"
         "      - {action: keep, source_labels: [__name__], regex: 'node_(cpu|memory|load|boot|time|uname).*'}\n"
         "      - {action: labeldrop, regex: 'domainname'}\n";
  }
  return c;
}

std::set<std::string> SeriesSet(const testing::HttpResponse& r) {
  std::set<std::string> out;
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("data")) return out;
  for (const auto& s : v.at("data").as_array()) out.insert(boost::json::serialize(s));
  return out;
}

// The targets without the fields that depend on timing.
std::string TargetsShape(const testing::HttpResponse& r) {
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  if (ec) return "unparseable: " + r.body;
  auto& data = v.at("data").as_object();
  std::set<std::string> active;
  for (auto& t : data.at("activeTargets").as_array()) {
    auto o = t.as_object();
    for (const char* k : {"lastScrape", "lastScrapeDuration", "lastError", "globalUrl"}) o.erase(k);
    active.insert(boost::json::serialize(o));
  }
  std::string out;
  for (const auto& a : active) out += a + "\n";
  return out + boost::json::serialize(data.at("droppedTargets"));
}

TEST(ScrapeDifferential, SameSeriesLabelsAndTargetsAsPrometheus) {
  if (!testing::HaveProgram("prometheus")) GTEST_SKIP() << "prometheus is not installed";
  testing::TempDir dir;
  dir.WriteFile("www/metrics", kFixtureBody);
  const uint16_t fixture_port = testing::FreePort();
  testing::ChildProcess fixture({"python3", "-m", "http.server", "--bind", "127.0.0.1",
                                 std::to_string(fixture_port), "--directory", dir.path() + "/www"});
  std::unique_ptr<testing::ChildProcess> node;
  uint16_t node_port = 0;
  if (testing::HaveProgram("prometheus-node-exporter")) {
    node_port = testing::FreePort();
    node = std::make_unique<testing::ChildProcess>(std::vector<std::string>{
        "prometheus-node-exporter", "--web.listen-address=127.0.0.1:" + std::to_string(node_port)});
  }
  const std::string config = Config(fixture_port, node_port);
  testing::TsdbdProcess tsdbd(TSDBD_BINARY, dir.WriteFile("tsdbd.yml", config));
  testing::PrometheusProcess prometheus(dir.path() + "/prom", config);
  ASSERT_TRUE(tsdbd.WaitReady()) << tsdbd.log();
  ASSERT_TRUE(prometheus.WaitReady()) << prometheus.log();

  // Both have scraped every target a few times.
  const std::string enough =
      "/api/v1/query?query=min(count_over_time(up%5B1m%5D))%20%3E%3D%203";
  for (auto* server : {static_cast<void*>(&tsdbd), static_cast<void*>(&prometheus)}) {
    ASSERT_TRUE(testing::WaitUntil(
        [&] {
          auto r = server == &tsdbd ? tsdbd.Get(enough) : prometheus.Get(enough);
          return r.body.find("\"value\"") != std::string::npos;
        },
        60s))
        << tsdbd.log() << prometheus.log();
  }

  for (const char* job : {"fixture", "node"}) {
    if (std::string(job) == "node" && node_port == 0) continue;
    const std::string target =
        std::string("/api/v1/series?match[]=%7Bjob%3D%22") + job + "%22%7D";
    const auto ours = SeriesSet(tsdbd.Get(target));
    const auto theirs = SeriesSet(prometheus.Get(target));
    EXPECT_FALSE(ours.empty()) << job;
    EXPECT_EQ(ours, theirs) << job;
  }
  // The fixture never changes, so its latest values agree exactly.
  const std::string fixture_now = "/api/v1/query?query=%7Bjob%3D%22fixture%22%2C__name__%21~%22scrape_.*%7Cup%22%7D";
  EXPECT_EQ(tsdbd.Get(fixture_now).body.substr(0, 40), prometheus.Get(fixture_now).body.substr(0, 40));
  auto strip_times = [](std::string body) {
    std::set<std::string> out;
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    if (ec) return out;
    for (auto& s : v.at("data").at("result").as_array()) {
      out.insert(boost::json::serialize(s.at("metric")) + "=" +
                 boost::json::serialize(s.at("value").as_array()[1]));
    }
    return out;
  };
  EXPECT_EQ(strip_times(tsdbd.Get(fixture_now).body), strip_times(prometheus.Get(fixture_now).body));

  EXPECT_EQ(TargetsShape(tsdbd.Get("/api/v1/targets")),
            TargetsShape(prometheus.Get("/api/v1/targets")));
  EXPECT_EQ(tsdbd.Get("/api/v1/scrape_pools").body, prometheus.Get("/api/v1/scrape_pools").body);
}

}  // namespace
}  // namespace tsdbd
