// Real bodies: node_exporter's text (live when prometheus-node-exporter is installed, and a
// recorded copy), and the Python client's OpenMetrics and text renderings of the same
// registry (recorded from python3-prometheus-client 0.16).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "lib/scrape/textparse/content_type.h"
#include "tests/scrape/textparse_test_util.h"
#include "tests/testing/http_client.h"
#include "tests/testing/process.h"

namespace tsdbd::scrape::textparse {
namespace {

using testing::ParseAll;
using testing::Parsed;

std::string TestData(const std::string& name) {
  return tsdbd::testing::ReadFile(std::string(TSDBD_SOURCE_DIR) + "/tests/scrape/testdata/" + name);
}

// Lines that are samples: neither blank nor comments.
size_t SampleLines(const std::string& body) {
  size_t n = 0, start = 0;
  while (start < body.size()) {
    size_t end = body.find('\n', start);
    if (end == std::string::npos) end = body.size();
    if (end > start && body[start] != '#') ++n;
    start = end + 1;
  }
  return n;
}

std::set<std::string> SeriesNames(const Parsed& p) {
  std::set<std::string> out;
  for (const auto& r : p.records) {
    if (r.entry == Entry::kSeries) out.insert(r.name);
  }
  return out;
}

void CheckNodeExporterBody(const std::string& body, std::string_view content_type) {
  ASSERT_EQ(FormatForContentType(content_type), Format::kPrometheusText);
  const Parsed p = ParseAll(body, FormatForContentType(content_type));
  ASSERT_EQ(p.error, "");
  EXPECT_EQ(p.series, SampleLines(body));
  EXPECT_GT(p.series, 100u);
  const std::set<std::string> names = SeriesNames(p);
  EXPECT_EQ(names.size(), p.series);  // no two lines name the same series
  EXPECT_TRUE(names.count("{__name__=\"node_boot_time_seconds\"}"));
  EXPECT_TRUE(names.count("{__name__=\"go_goroutines\"}"));
  EXPECT_TRUE(names.count("{__name__=\"promhttp_metric_handler_requests_total\", code=\"200\"}"));
  size_t types = 0, helps = 0;
  for (const auto& r : p.records) {
    types += r.entry == Entry::kType;
    helps += r.entry == Entry::kHelp;
    if (r.entry == Entry::kType && r.name == "node_cpu_seconds_total") {
      EXPECT_EQ(r.text, "counter");
    }
  }
  EXPECT_GT(types, 50u);
  EXPECT_EQ(types, helps);
}

TEST(TextparseRealBodyTest, RecordedNodeExporter) {
  const std::string body = TestData("node_exporter.txt");
  ASSERT_FALSE(body.empty());
  CheckNodeExporterBody(body, "text/plain; version=0.0.4; charset=utf-8");
}

TEST(TextparseRealBodyTest, LiveNodeExporter) {
  if (!tsdbd::testing::HaveProgram("prometheus-node-exporter")) {
    GTEST_SKIP() << "prometheus-node-exporter is not installed";
  }
  const uint16_t port = tsdbd::testing::FreePort();
  tsdbd::testing::ChildProcess exporter(
      {"prometheus-node-exporter", "--web.listen-address=127.0.0.1:" + std::to_string(port)});
  tsdbd::testing::HttpRequest req;
  req.target = "/metrics";
  req.headers = {{"Accept", std::string(kScrapeAcceptHeader)}};
  tsdbd::testing::HttpResponse resp;
  ASSERT_TRUE(tsdbd::testing::WaitUntil([&] {
    resp = tsdbd::testing::Fetch(port, req);
    return resp.status == 200;
  }));
  // node_exporter 1.5 answers text 0.0.4 even when OpenMetrics is preferred.
  CheckNodeExporterBody(resp.body, resp.Header("Content-Type").value_or(""));
  req.headers = {{"Accept", "text/plain;version=0.0.4"}};
  resp = tsdbd::testing::Fetch(port, req);
  ASSERT_EQ(resp.status, 200);
  CheckNodeExporterBody(resp.body, resp.Header("Content-Type").value_or(""));
}

TEST(TextparseRealBodyTest, PythonClientBothFormats) {
  const std::string om = TestData("python_client.om");
  const std::string text = TestData("python_client.txt");
  ASSERT_FALSE(om.empty());
  const Parsed pom = ParseAll(om, Format::kOpenMetrics);
  const Parsed ptext = ParseAll(text, Format::kPrometheusText);
  ASSERT_EQ(pom.error, "");
  ASSERT_EQ(ptext.error, "");
  EXPECT_EQ(pom.series, SampleLines(om) - 0);
  EXPECT_EQ(ptext.series, SampleLines(text));
  const std::set<std::string> om_names = SeriesNames(pom);
  const std::set<std::string> text_names = SeriesNames(ptext);
  // Escapes in label values read back the same in both formats.
  const std::string escaped =
      "{__name__=\"http_requests_total\", code=\"500\", path=\"C:\\\\dir \\\"quoted\\\"\\nline\"}";
  EXPECT_TRUE(om_names.count(escaped));
  EXPECT_TRUE(text_names.count(escaped));
  EXPECT_TRUE(om_names.count("{__name__=\"task_state\", task_state=\"running\"}"));
  EXPECT_TRUE(
      om_names.count("{__name__=\"build_info\", revision=\"deadbeef\", version=\"1.2.3\"}"));
  // Exemplars on buckets, with float-second timestamps.
  size_t exemplars = 0;
  for (const auto& r : pom.records) {
    if (r.exemplar.empty()) continue;
    ++exemplars;
    EXPECT_NE(r.name.find("request_latency_seconds_bucket"), std::string::npos);
    EXPECT_EQ(r.exemplar.rfind("{trace_id=\"abc", 0), 0u) << r.exemplar;
  }
  EXPECT_GT(exemplars, 5u);
  // HELP text: OpenMetrics unescapes \" too, text format does not.
  for (const auto& r : pom.records) {
    if (r.entry == Entry::kHelp && r.name == "http_requests") {
      EXPECT_EQ(r.text, "Requests \"served\"\nby path \\ code.");
    }
  }
  for (const auto& r : pom.records) {
    if (r.entry == Entry::kUnit) {
      EXPECT_EQ(r.name, "temperature_celsius");
      EXPECT_EQ(r.text, "celsius");
    }
  }
}

}  // namespace
}  // namespace tsdbd::scrape::textparse
