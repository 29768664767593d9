// Differential test of --query.max-samples against a live Prometheus 2.42: for each query
// family with a parameter X (a range, or how many steps a range query has), the smallest X
// at which Prometheus fails with "query processing would load too many samples into memory"
// is found by bisection, and must be where our engine starts failing too; one below it both
// must answer the same. This pins down how Prometheus counts the points it holds: selector
// results, the windows of range functions (one series at a time), subquery results, each
// step's input vectors, outputs, and what stays counted after a function.
// Skipped when prometheus or promtool is not installed.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "lib/model/value_format.h"
#include "lib/promql/engine/engine.h"
#include "lib/promql/parser.h"
#include "lib/storage/memory_storage.h"
#include "tests/promql/max_samples_cases.h"
#include "tests/testing/api_query.h"
#include "tests/testing/http_client.h"
#include "tests/testing/process.h"
#include "tests/testing/prometheus_process.h"

namespace tsdbd::promql {
namespace {

using max_samples_cases::Families;
using max_samples_cases::Family;
using max_samples_cases::kMaxSamples;
using max_samples_cases::kT0;
using max_samples_cases::Substitute;

std::string SortedLines(std::vector<std::string> lines) {
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// Our answer as lines "labels t:v ..." (sorted: the order is not what this test is about),
// or "ERR <message>".
std::string Ours(const QueryOutcome& o) {
  if (!o.ok()) return "ERR " + o.error.message;
  const QueryResult& r = o.result;
  std::vector<std::string> lines;
  if (r.type == ValueType::kScalar) {
    lines.push_back("scalar " + std::to_string(r.scalar.t) + ":" + FormatFloatF(r.scalar.v));
  }
  for (const Sample& s : r.vector) {
    lines.push_back(s.metric.ToString() + " " + std::to_string(s.t) + ":" + FormatFloatJSON(s.v));
  }
  for (const Series& s : r.matrix) {
    std::string l = s.metric.ToString();
    for (const Point& p : s.points) {
      l.append(" ").append(std::to_string(p.t)).append(":").append(FormatFloatJSON(p.v));
    }
    lines.push_back(l);
  }
  return SortedLines(lines);
}

// Prometheus's answer in the same form.
std::string Theirs(const testing::HttpResponse& resp) {
  boost::system::error_code ec;
  auto v = boost::json::parse(resp.body, ec);
  if (ec || !v.is_object()) return "UNPARSEABLE " + resp.body;
  const auto& o = v.as_object();
  if (o.at("status").as_string() != "success") {
    return "ERR " + std::string(o.at("error").as_string());
  }
  auto ms = [](const boost::json::value& t) {
    return std::to_string(std::llround(t.to_number<double>() * 1000));
  };
  auto labels = [](const boost::json::object& m) {
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const auto& kv : m) pairs.emplace_back(kv.key(), kv.value().as_string());
    std::vector<std::pair<std::string_view, std::string_view>> views(pairs.begin(), pairs.end());
    return Labels::FromPairs(views).ToString();
  };
  const auto& data = o.at("data").as_object();
  const std::string type(data.at("resultType").as_string());
  const auto& res = data.at("result");
  std::vector<std::string> lines;
  if (type == "scalar") {
    const auto& a = res.as_array();
    lines.push_back("scalar " + ms(a[0]) + ":" + std::string(a[1].as_string()));
  } else {
    for (const auto& e : res.as_array()) {
      const auto& s = e.as_object();
      std::string l = labels(s.at("metric").as_object());
      if (type == "vector") {
        const auto& a = s.at("value").as_array();
        l.append(" ").append(ms(a[0])).append(":").append(a[1].as_string());
      } else {
        for (const auto& p : s.at("values").as_array()) {
          l.append(" ").append(ms(p.as_array()[0])).append(":").append(p.as_array()[1].as_string());
        }
      }
      lines.push_back(l);
    }
  }
  return SortedLines(lines);
}

class Runner {
 public:
  Runner(uint16_t port, storage::MemoryStorage* mem, const Engine* engine)
      : port_(port), mem_(mem), engine_(engine) {}

  std::string Prometheus(const Family& f, int64_t x) {
    const std::string q = testing::QueryEscape(Substitute(f.query, x));
    if (f.step == 0) {
      return Theirs(testing::Get(
          port_, "/api/v1/query?query=" + q + "&time=" + std::to_string(kT0 + f.start)));
    }
    return Theirs(testing::Get(port_, "/api/v1/query_range?query=" + q +
                                          "&start=" + std::to_string(kT0 + f.start) +
                                          "&end=" + std::to_string(kT0 + f.end + x * f.end_per_x) +
                                          "&step=" + std::to_string(f.step)));
  }

  std::string Tsdbd(const Family& f, int64_t x) {
    auto e = ParseExpr(Substitute(f.query, x));
    if (!e.ok()) return "PARSE " + e.error().message();
    if (f.step == 0) return Ours(engine_->Instant(*mem_, **e, (kT0 + f.start) * 1000));
    return Ours(engine_->Range(*mem_, **e, (kT0 + f.start) * 1000,
                               (kT0 + f.end + x * f.end_per_x) * 1000, f.step * 1000));
  }

 private:
  uint16_t port_;
  storage::MemoryStorage* mem_;
  const Engine* engine_;
};

bool TooMany(const std::string& answer) {
  return answer.find("too many samples") != std::string::npos;
}

// The smallest X in (lo, hi] at which `answer` fails; hi + 1 when it never does.
template <typename F>
int64_t Threshold(int64_t lo, int64_t hi, F answer) {
  if (!TooMany(answer(hi))) return hi + 1;
  while (hi - lo > 1) {  // answer(lo) succeeds, answer(hi) fails
    const int64_t mid = lo + (hi - lo) / 2;
    (TooMany(answer(mid)) ? hi : lo) = mid;
  }
  return hi;
}

TEST(MaxSamplesDifferential, SameLimitAsPrometheus) {
  if (!testing::HaveProgram("prometheus") || !testing::HaveProgram("promtool")) {
    GTEST_SKIP() << "prometheus or promtool is not installed";
  }
  testing::TempDir dir;
  const std::string om = dir.WriteFile("data.om", max_samples_cases::OpenMetrics());
  auto created = testing::Run(
      {"promtool", "tsdb", "create-blocks-from", "openmetrics", om, dir.path() + "/data"},
      std::chrono::minutes(5));
  ASSERT_EQ(created.exit_code, 0) << created.output;
  testing::PrometheusProcess prom(
      dir.path() + "/data", "global: {}\n",
      {"--storage.tsdb.retention.time=100y", "--query.max-samples=" + std::to_string(kMaxSamples)});
  ASSERT_TRUE(prom.WaitReady()) << prom.log();

  storage::MemoryStorage mem;
  max_samples_cases::Load(&mem);
  EngineOptions opts;
  opts.max_samples = kMaxSamples;
  Engine engine(opts);
  Runner run(prom.port(), &mem, &engine);

  for (const Family& f : Families()) {
    SCOPED_TRACE(f.query);
    ASSERT_FALSE(TooMany(run.Prometheus(f, f.lo))) << "Prometheus fails at X=" << f.lo;
    const int64_t theirs = Threshold(f.lo, f.hi, [&](int64_t x) { return run.Prometheus(f, x); });
    ASSERT_LE(theirs, f.hi) << "Prometheus never fails up to X=" << f.hi;
    const int64_t ours = Threshold(f.lo, f.hi, [&](int64_t x) { return run.Tsdbd(f, x); });
    std::printf("%-70s Prometheus fails from X=%lld, tsdbd from X=%lld\n", f.query.c_str(),
                static_cast<long long>(theirs), static_cast<long long>(ours));
    EXPECT_EQ(ours, theirs);
    EXPECT_EQ(f.threshold, theirs) << "the recorded threshold is out of date";
    EXPECT_EQ(run.Tsdbd(f, theirs - 1), run.Prometheus(f, theirs - 1)) << "X=" << theirs - 1;
    EXPECT_EQ(run.Tsdbd(f, theirs), run.Prometheus(f, theirs)) << "X=" << theirs;
  }
}

}  // namespace
}  // namespace tsdbd::promql
