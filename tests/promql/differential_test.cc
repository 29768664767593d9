// Differential test against a live Prometheus 2.42: every query in
// testdata/parse_corpus.txt must print exactly as /api/v1/format_query prints it, and every
// invalid one must fail with the same message (position included) as /api/v1/query.
// Skipped when `prometheus` is not installed.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "lib/model/utf8.h"
#include "lib/promql/parser.h"
#include "lib/promql/printer.h"
#include "tests/testing/api_query.h"
#include "tests/testing/http_client.h"
#include "tests/testing/process.h"
#include "tests/testing/prometheus_process.h"

namespace tsdbd::promql {
namespace {

// The JSON string value of "key" in a flat JSON object (enough for the API envelope).
std::optional<std::string> JsonString(const std::string& body, const std::string& key) {
  const std::string needle = "\"" + key + "\":\"";
  size_t i = body.find(needle);
  if (i == std::string::npos) return std::nullopt;
  i += needle.size();
  std::string out;
  while (i < body.size() && body[i] != '"') {
    if (body[i] != '\\') {
      out += body[i++];
      continue;
    }
    const char e = body[++i];
    ++i;
    switch (e) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'u': {
        unsigned cp = std::stoul(body.substr(i, 4), nullptr, 16);
        i += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && body.compare(i, 2, "\\u") == 0) {
          const unsigned lo = std::stoul(body.substr(i + 2, 4), nullptr, 16);
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          i += 6;
        }
        AppendUtf8(out, cp);
        break;
      }
      default:
        out += e;
    }
  }
  return out;
}

std::vector<std::string> Corpus() {
  std::ifstream in(std::string(TSDBD_SOURCE_DIR) + "/tests/promql/testdata/parse_corpus.txt");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// Our answer in the API's words: "OK <printed>" or "ERR <message>".
std::string Ours(const std::string& q) {
  auto r = ParseExpr(q);
  if (!r.ok()) return "ERR invalid parameter \"query\": " + r.error().message();
  return "OK " + Pretty(**r);
}

// Prometheus's answer: "OK <format_query>" or "ERR <error of /api/v1/query>".
std::string Theirs(const testing::PrometheusProcess& prometheus, const std::string& q) {
  auto f = prometheus.Get("/api/v1/format_query?query=" + testing::QueryEscape(q));
  if (f.status == 200) {
    auto data = JsonString(f.body, "data");
    return "OK " + data.value_or("<no data>");
  }
  auto e = prometheus.Get("/api/v1/query?time=0&query=" + testing::QueryEscape(q));
  if (JsonString(e.body, "errorType") != "bad_data") return "UNEXPECTED " + e.body;
  return "ERR " + JsonString(e.body, "error").value_or("<no error>");
}

TEST(PromqlDifferential, CorpusIsLargeAndMixed) {
  auto corpus = Corpus();
  EXPECT_GE(corpus.size(), 300u);
  int errors = 0;
  for (const auto& q : corpus) errors += !ParseExpr(q).ok();
  EXPECT_GE(errors, 80);
  EXPECT_GE(static_cast<int>(corpus.size()) - errors, 150);
}

TEST(PromqlDifferential, AgreesWithPrometheus) {
  if (!testing::HaveProgram("prometheus")) GTEST_SKIP() << "prometheus is not installed";
  testing::TempDir dir;
  testing::PrometheusProcess prometheus(dir.path() + "/data", "global: {}\n");
  ASSERT_TRUE(prometheus.WaitReady()) << prometheus.log();
  int agree = 0;
  auto corpus = Corpus();
  for (const auto& q : corpus) {
    const std::string theirs = Theirs(prometheus, q);
    const std::string ours = Ours(q);
    if (theirs == ours) {
      ++agree;
    } else {
      ADD_FAILURE() << "query: " << q << "\n  prometheus: " << theirs << "\n  tsdbd:      " << ours;
    }
  }
  std::printf("promql differential: %d of %zu agree\n", agree, corpus.size());
}

}  // namespace
}  // namespace tsdbd::promql
