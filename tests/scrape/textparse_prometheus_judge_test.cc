// Prometheus 2.42 as the judge: it scrapes each body from a fixture server and its `up`
// (1 accepted, 0 refused) must equal our verdict (parsed, or an error).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/scrape/textparse_test_util.h"
#include "tests/testing/http_client.h"
#include "tests/testing/process.h"
#include "tests/testing/prometheus_process.h"

namespace tsdbd::scrape::textparse {
namespace {

struct Case {
  std::string body;
  bool openmetrics;
};

std::vector<Case> Cases() {
  std::vector<Case> t = {
      // Text 0.0.4.
      {"foo 1\n", false},
      {"foo{a=\"1\" b=\"2\"} 1\n", false},
      {"foo{a=\"1\",} 1\n", false},
      {"foo{a=\"1\",a=\"2\"} 1\n", false},
      {"foo{a=\"1\",a=\"\"} 1\n", false},
      {"foo{__name__=\"foo\"} 1\n", false},
      {"foo{a=\"x\ny\"} 1\n", false},
      {"foo 1 -5\n", false},
      {"foo 0x1p3\n", false},
      {"foo 0x10\n", false},
      {"foo 1e400\n", false},
      {"foo 1e-400\n", false},
      {"foo infinity\n", false},
      {"foo +nan\n", false},
      {"foo 1", false},
      {"# TYPE foo  counter\nfoo 1\n", false},
      {"foo 1\r\n", false},
      {"foo{a=\"\xff\"} 1\n", false},
      {"# HELP foo \xff\nfoo 1\n", false},
      {"foo 1 9223372036854775808\n", false},
      {"foo1\n", false},
      {"foo{a=\"1\"}1\n", false},
      {"# TYPE foo counter \nfoo 1\n", false},
      {"foo .5\nbar 5.\nbaz 1.e3\n", false},
      {"foo 1 1 \n", false},
      {"#HELP\n# HELP\n#  TYPE x y\n", false},
      {"  foo { a = \"1\" , }\t2\t3\n\n\n", false},
      {"foo { a = \"1\" , }\t2\t3\n \t\n\n", false},
      {"  # HELP foo x\n\t# TYPE foo counter\n # c\nfoo 1\n", false},
      {"\tfoo 1\n", false},
      {"foo{a=1} 1\n", false},
      {"foo{a=\"1\\\n\"} 1\n", false},
      {"foo 1 1.5\n", false},
      {"{a=\"1\"} 1\n", false},
      {"# HELP 0foo x\nfoo 1\n", false},
      {"foo 1_0\n", false},
      {"foo{a=\"1\"}{b=\"1\"} 1\n", false},
      // OpenMetrics.
      {"foo 1\n# EOF\n", true},
      {"foo 1\n# EOF", true},
      {"foo 1\n", true},
      {"foo 1\n# EOF\n\n", true},
      {"foo 1\n\n# EOF\n", true},
      {"foo  1\n# EOF\n", true},
      {"foo 1 \n# EOF\n", true},
      {"foo{a=\"1\",} 1\n# EOF\n", true},
      {"foo{a=\"1\" ,b=\"2\"} 1\n# EOF\n", true},
      {"# HELP foo\n# EOF\n", true},
      {"# HELP foo \n# EOF\n", true},
      {"# comment\nfoo 1\n# EOF\n", true},
      {"# TYPE foo untyped\nfoo 1\n# EOF\n", true},
      {"# TYPE foo_seconds counter\n# UNIT foo_seconds seconds\nfoo_seconds_total 1\n# EOF\n",
       true},
      {"# UNIT foo_bytes seconds\n# EOF\n", true},
      {"# UNIT seconds seconds\n# EOF\n", true},
      {"# TYPE foo histogram\nfoo_bucket{le=\"1\"} 1\nfoo_bucket{le=\"+Inf\"} 1\nfoo_count 1\n"
       "foo_sum 1\nfoo_created 12345.5\n# EOF\n",
       true},
      {"foo_total 1 # {a=\"b\"} 1 123.5\n# EOF\n", true},
      {"foo 1 # {a=\"b\"} 1\n# EOF\n", true},
      {"foo_count 1 # {} 1\n# EOF\n", true},
      {"# TYPE foo_total gauge\nfoo_total 1 # {a=\"b\"} 1\n# EOF\n", true},
      {"foo_total 1 # {a=\"b\"}  1\n# EOF\n", true},
      {"foo_total 1 # {a=\"b\"} 1 Inf\n# EOF\n", true},
      {"foo 1 NaN\n# EOF\n", true},
      {"foo 1 -1.5\n# EOF\n", true},
      {"foo{a=\"x\ny\"} 1\n# EOF\n", true},
      {"foo{a=\"1\",a=\"2\"} 1\n# EOF\n", true},
      {"  foo 1\n# EOF\n", true},
      {"foo {a=\"1\"} 1\n# EOF\n", true},
      {"# TYPE foo info\nfoo_info{a=\"1\"} 1\n# TYPE s stateset\ns{s=\"a\"} 1\n# EOF\n", true},
      {"foo 1 1 2\n# EOF\n", true},
      {"foo_bucket 1 # {} 1 # {} 1\n# EOF\n", true},
      {"# EOF extra\n", true},
  };
  // The recorded real bodies too.
  const std::string dir = std::string(TSDBD_SOURCE_DIR) + "/tests/scrape/testdata/";
  t.push_back({tsdbd::testing::ReadFile(dir + "node_exporter.txt"), false});
  t.push_back({tsdbd::testing::ReadFile(dir + "python_client.txt"), false});
  t.push_back({tsdbd::testing::ReadFile(dir + "python_client.om"), true});
  return t;
}

// The value of up{job=<job>} in an /api/v1/query answer, or -1 when absent.
int UpOf(const std::string& json, const std::string& job) {
  const std::string key = "\"job\":\"" + job + "\"},\"value\":[";
  const size_t at = json.find(key);
  if (at == std::string::npos) return -1;
  const size_t v = json.find(",\"", at + key.size());
  if (v == std::string::npos || v + 2 >= json.size()) return -1;
  return json[v + 2] == '1' ? 1 : 0;
}

TEST(TextparsePrometheusJudgeTest, SameVerdictAsPrometheus) {
  if (!tsdbd::testing::HaveProgram("prometheus") || !tsdbd::testing::HaveProgram("python3")) {
    GTEST_SKIP() << "needs prometheus and python3";
  }
  const std::vector<Case> cases = Cases();
  tsdbd::testing::TempDir dir;
  const std::string bodies = dir.path() + "/bodies";
  ASSERT_EQ(tsdbd::testing::Run({"mkdir", bodies}).exit_code, 0);
  const uint16_t fixture_port = tsdbd::testing::FreePort();
  std::string config = "global: {scrape_interval: 1s, scrape_timeout: 1s}\nscrape_configs:\n";
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string name = "case" + std::to_string(i) + (cases[i].openmetrics ? ".om" : ".txt");
    std::FILE* f = std::fopen((bodies + "/" + name).c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fwrite(cases[i].body.data(), 1, cases[i].body.size(), f);
    std::fclose(f);
    config += "  - job_name: case" + std::to_string(i) + "\n    metrics_path: /" + name +
              "\n    static_configs: [{targets: ['127.0.0.1:" + std::to_string(fixture_port) +
              "']}]\n";
  }
  tsdbd::testing::ChildProcess server(
      {"python3", std::string(TSDBD_SOURCE_DIR) + "/tests/scrape/testdata/fixture_server.py",
       bodies, std::to_string(fixture_port)});
  tsdbd::testing::PrometheusProcess prometheus(dir.path() + "/data", config);

  std::string json;
  const bool all = tsdbd::testing::WaitUntil(
      [&] {
        json = prometheus.Get("/api/v1/query?query=up").body;
        for (size_t i = 0; i < cases.size(); ++i) {
          if (UpOf(json, "case" + std::to_string(i)) < 0) return false;
        }
        return true;
      },
      std::chrono::seconds(60));
  ASSERT_TRUE(all) << json << prometheus.log();
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string ours =
        testing::ParseAll(cases[i].body,
                          cases[i].openmetrics ? Format::kOpenMetrics : Format::kPrometheusText)
            .error;
    EXPECT_EQ(UpOf(json, "case" + std::to_string(i)), ours.empty() ? 1 : 0)
        << "case" << i << " body " << cases[i].body.substr(0, 200) << "\nours: " << ours;
  }
}

}  // namespace
}  // namespace tsdbd::scrape::textparse
