// The same data, replayed from one WAL by tsdbd and by Prometheus 2.42, must answer the
// same HTTP API requests with the same bytes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>

#include "lib/tsdb/record/encoder.h"
#include "lib/tsdb/wal/wal.h"
#include "tests/testing/api_query.h"
#include "tests/testing/exposition.h"
#include "tests/testing/process.h"
#include "tests/testing/prometheus_process.h"
#include "tests/testing/tsdbd_process.h"

namespace tsdbd {
namespace {

using testing::MetricValue;

using namespace std::chrono_literals;
namespace record = tsdb::record;

constexpr int64_t kStep = 15'000;
constexpr int64_t kSpan = 60 * 60 * 1000;  // one hour of samples

double StaleNaN() {
  const uint64_t bits = 0x7ff0000000000002ull;
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

// Writes a WAL of realistic series (counters with a reset, gauges, classic histograms, a
// target going down and a series ending in a stale marker) ending at `end_ms`.
void WriteWal(const std::string& wal_dir, int64_t end_ms) {
  std::vector<record::RefSeries> series;
  auto add = [&](std::vector<record::Label> labels) {
    std::sort(labels.begin(), labels.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    series.push_back({series.size() + 1, std::move(labels)});
    return series.size();
  };
  struct Gen {
    uint64_t ref;
    int kind;  // 0 counter, 1 gauge, 2 bucket, 3 up
    double scale;
    int instance;
  };
  std::vector<Gen> gens;
  const char* les[] = {"0.1", "0.5", "1", "+Inf"};
  for (int i = 0; i < 3; ++i) {
    const std::string instance = "10.0.0." + std::to_string(i + 1) + ":8000";
    for (const char* method : {"GET", "POST"}) {
      for (const char* status : {"200", "500"}) {
        gens.push_back({add({{"__name__", "http_requests_total"},
                             {"job", "api"},
                             {"instance", instance},
                             {"method", method},
                             {"status", status}}),
                        0, std::strcmp(status, "200") == 0 ? 5.0 : 0.25, i});
      }
    }
    gens.push_back({add({{"__name__", "process_resident_memory_bytes"},
                         {"job", "api"},
                         {"instance", instance}}),
                    1, 1e8, i});
    for (int b = 0; b < 4; ++b) {
      gens.push_back({add({{"__name__", "http_request_duration_seconds_bucket"},
                           {"job", "api"},
                           {"instance", instance},
                           {"le", les[b]}}),
                      2, 1.0 + b, i});
    }
    gens.push_back({add({{"__name__", "up"}, {"job", "api"}, {"instance", instance}}), 3, 1, i});
  }
  const uint64_t stale_ref = add({{"__name__", "queue_length"}, {"job", "worker"}});

  auto wal = tsdb::wal::Wal::Open(wal_dir);
  ASSERT_TRUE(wal.ok()) << wal.error().message();
  std::string rec;
  record::EncodeSeries(series, &rec);
  ASSERT_TRUE((*wal)->Log({rec}).ok());

  std::mt19937 rng(7);
  std::vector<double> counters(series.size() + 1, 0);
  const int64_t start = end_ms - kSpan;
  for (int64_t t0 = start; t0 <= end_ms; t0 += kStep) {
    std::vector<record::RefSample> samples;
    for (const Gen& g : gens) {
      const int64_t t = t0 + g.instance * 1237;  // targets scraped at different offsets
      if (t > end_ms) continue;
      double v = 0;
      switch (g.kind) {
        case 0:
        case 2:
          // Per-series fractions keep rates distinct: tie order in topk and sort is not
          // what this test is about.
          counters[g.ref] +=
              g.scale * static_cast<double>(rng() % 100) / 10 + static_cast<double>(g.ref) / 977;
          if (g.kind == 0 && g.instance == 1 && t0 == start + kSpan / 2) counters[g.ref] = 0;
          v = counters[g.ref];
          break;
        case 1:
          v = g.scale + static_cast<double>(rng() % 1000) * 1e4;
          break;
        case 3:
          v = (g.instance == 2 && t0 > end_ms - 10 * 60 * 1000) ? 0 : 1;
          break;
      }
      samples.push_back({g.ref, t, v});
    }
    if (t0 <= end_ms - 20 * 60 * 1000) {
      samples.push_back({stale_ref, t0, static_cast<double>(rng() % 50)});
    } else if (t0 <= end_ms - 20 * 60 * 1000 + kStep) {
      samples.push_back({stale_ref, t0, StaleNaN()});
    }
    rec.clear();
    record::EncodeSamples(samples, &rec);
    ASSERT_TRUE((*wal)->Log({rec}).ok());
  }
  ASSERT_TRUE((*wal)->Close().ok());
}

// Where tsdbd holds the data: all in the head (as Prometheus does here), or mostly in
// blocks that it cuts from the replayed head at start (10m blocks, compacted further), so
// that queries read across blocks and the head.
struct InHead {
  static std::vector<std::string> Args() { return {}; }
  static constexpr int kMinBlocks = 0;
  static constexpr double kBlockRangeMs = 2 * 3600'000;
};
struct InBlocks {
  static std::vector<std::string> Args() { return {"--storage.tsdb.min-block-duration=10m"}; }
  static constexpr int kMinBlocks = 2;
  static constexpr double kBlockRangeMs = 10 * 60'000;
};

template <typename Storage>
class QueryDifferentialTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!testing::HaveProgram("prometheus")) return;
    dir_ = new testing::TempDir();
    end_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count() /
              1000 * 1000;
    WriteWal(dir_->path() + "/prom/wal", end_ms_);
    std::filesystem::copy(dir_->path() + "/prom", dir_->path() + "/tsdbd",
                          std::filesystem::copy_options::recursive);
    const std::string config = "global:\n  scrape_interval: 15s\n";
    prometheus_ = new testing::PrometheusProcess(dir_->path() + "/prom", config);
    const std::string config_path = dir_->WriteFile("tsdbd.yml", config);
    std::vector<std::string> args = Storage::Args();
    args.push_back("--storage.tsdb.path=" + dir_->path() + "/tsdbd");
    tsdbd_ = new testing::TsdbdProcess(TSDBD_BINARY, config_path, args);
  }
  static void TearDownTestSuite() {
    delete tsdbd_;
    delete prometheus_;
    delete dir_;
  }
  void SetUp() override {
    if (prometheus_ == nullptr) GTEST_SKIP() << "prometheus is not installed";
    ASSERT_TRUE(prometheus_->WaitReady()) << prometheus_->log();
    ASSERT_TRUE(tsdbd_->WaitReady()) << tsdbd_->log();
    // Blocks cut, and no head compaction still due (the head spans at most 1.5 ranges):
    // these tests compare answers, not a query racing the head's truncation.
    ASSERT_TRUE(testing::WaitUntil(
        [] {
          const std::string metrics = tsdbd_->Get("/metrics").body;
          return MetricValue(metrics, "prometheus_tsdb_blocks_loaded") >= Storage::kMinBlocks &&
                 MetricValue(metrics, "prometheus_tsdb_head_max_time") -
                         MetricValue(metrics, "prometheus_tsdb_head_min_time") <=
                     1.5 * Storage::kBlockRangeMs;
        },
        std::chrono::seconds(60)))
        << tsdbd_->log();
  }

  // Sends the same GET to both and expects identical status and body.
  void ExpectSame(const std::string& target) {
    const auto theirs = prometheus_->Get(target);
    const auto ours = tsdbd_->Get(target);
    ASSERT_NE(theirs.status, 0) << target;
    EXPECT_EQ(ours.status, theirs.status) << target;
    if (ours.body != theirs.body) {
      size_t at = 0;
      while (at < ours.body.size() && at < theirs.body.size() && ours.body[at] == theirs.body[at]) {
        ++at;
      }
      const size_t from = at > 120 ? at - 120 : 0;
      ADD_FAILURE() << target << "\n  differs at byte " << at << "\n  prometheus: ..."
                    << theirs.body.substr(from, 240) << "\n  tsdbd:      ..."
                    << ours.body.substr(from, 240);
    }
    ++compared_;
  }

  static inline testing::TempDir* dir_ = nullptr;
  static inline testing::PrometheusProcess* prometheus_ = nullptr;
  static inline testing::TsdbdProcess* tsdbd_ = nullptr;
  static inline int64_t end_ms_ = 0;
  int compared_ = 0;
};

using StorageKinds = ::testing::Types<InHead, InBlocks>;
TYPED_TEST_SUITE(QueryDifferentialTest, StorageKinds);

const char* kQueries[] = {
    "up",
    "up == 0",
    "up{instance=~\"10.0.0.[12]:8000\"}",
    "http_requests_total",
    "http_requests_total{status!=\"200\"}",
    "rate(http_requests_total[5m])",
    "irate(http_requests_total[1m])",
    "increase(http_requests_total[10m])",
    "resets(http_requests_total[1h])",
    "sum by (job) (rate(http_requests_total[5m]))",
    "sum without (instance) (rate(http_requests_total[5m]))",
    "sum by (status) (rate(http_requests_total[5m])) / ignoring(status) group_left "
    "sum(rate(http_requests_total[5m]))",
    "topk(3, rate(http_requests_total[5m]))",
    "bottomk(2, process_resident_memory_bytes)",
    "count(up)",
    "count_values(\"v\", up)",
    "avg(process_resident_memory_bytes)",
    "max_over_time(process_resident_memory_bytes[15m])",
    "min_over_time(process_resident_memory_bytes[15m])",
    "avg_over_time(process_resident_memory_bytes[15m])",
    "delta(process_resident_memory_bytes[10m])",
    "deriv(process_resident_memory_bytes[10m])",
    "predict_linear(process_resident_memory_bytes[15m], 3600)",
    "histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))",
    // Prometheus orders histogram_quantile's output by Go map iteration: sort it.
    "sort(histogram_quantile(0.5, rate(http_request_duration_seconds_bucket[5m])))",
    "label_replace(up, \"host\", \"$1\", \"instance\", \"(.*):.*\")",
    "label_join(up, \"both\", \"/\", \"job\", \"instance\")",
    "queue_length",
    "queue_length offset 30m",
    "last_over_time(queue_length[1h])",
    "absent(nonexistent)",
    "absent(up)",
    "vector(1)",
    "scalar(count(up))",
    "time()",
    "1 + 2",
    "\"a string\"",
    "process_resident_memory_bytes / 1024 / 1024",
    "process_resident_memory_bytes > 5e8",
    "process_resident_memory_bytes > bool 5e8",
    "up and on(instance) process_resident_memory_bytes > 0",
    "up or vector(2)",
    "http_requests_total unless http_requests_total{method=\"GET\"}",
    "sum(rate(http_requests_total[5m])) by (method)",
    "quantile(0.5, process_resident_memory_bytes)",
    "stddev(process_resident_memory_bytes)",
    "changes(up[1h])",
    "timestamp(up)",
    "sort_desc(sum by (instance) (rate(http_requests_total[5m])))",
    "max_over_time(rate(http_requests_total[5m])[30m:1m])",
    "clamp_max(rate(http_requests_total[5m]), 1)",
    "round(process_resident_memory_bytes, 1000)",
    "rate(nonexistent[5m])",
    "sum(rate(http_requests_total{status=\"500\"}[5m])) / sum(rate(http_requests_total[5m]))",
    // errors
    "rate(up)",
    "sum(",
    "http_requests_total + on(instance) up",
    "{job=~\".*\"}",
    "((\"a\"))",
    // @ at and beyond the ends of int64 milliseconds
    "http_requests_total @ 1e16",
    "max_over_time(http_requests_total[5m:1m] @ -9223372036854775)",
    "up offset -1h @ 9223372036854775",
};

TYPED_TEST(QueryDifferentialTest, InstantQueries) {
  for (int64_t ago : {0LL, 90'000LL, 17 * 60'000LL + 500, 59 * 60'000LL}) {
    const std::string time = std::to_string((this->end_ms_ - ago) / 1000.0);
    for (const char* q : kQueries) {
      this->ExpectSame("/api/v1/query?query=" + testing::QueryEscape(q) + "&time=" + time);
    }
  }
  std::printf("compared %d instant queries\n", this->compared_);
}

TYPED_TEST(QueryDifferentialTest, RangeQueries) {
  for (const auto& [span_ms, step] : {std::pair<int64_t, const char*>{30 * 60'000, "60"},
                                      {60 * 60'000, "17"},
                                      {10 * 60'000, "15s"}}) {
    const std::string range = "&start=" + std::to_string((this->end_ms_ - span_ms) / 1000) +
                              "&end=" + std::to_string(this->end_ms_ / 1000) + "&step=" + step;
    for (const char* q : kQueries) {
      this->ExpectSame("/api/v1/query_range?query=" + testing::QueryEscape(q) + range);
    }
  }
  std::printf("compared %d range queries\n", this->compared_);
}

// Times at and beyond what Go's conversions hold, and steps under a millisecond: Prometheus
// wraps them around as Go's int64 arithmetic does, and tsdbd must answer the same.
TYPED_TEST(QueryDifferentialTest, TimesAtTheEndsAnswerAsPrometheus) {
  for (const char* t : {"1e16", "-1e16", "9223372036854775", "NaN", "Inf", "-Inf", "0.9996",
                        "-0.0006", "1677-09-21T00:12:43.145224192Z", "9999-12-31T23:59:59Z",
                        "0001-01-01T00:00:00Z", "292277025-08-18T07:12:54.999999999Z"}) {
    this->ExpectSame("/api/v1/query?query=time()&time=" + testing::QueryEscape(t));
  }
  for (const char* range :
       {"start=1e16&end=1e16&step=1", "start=NaN&end=Inf&step=60", "start=0&end=1&step=0.0001",
        "start=1&end=1&step=0.0001", "start=0&end=10&step=0.001", "start=0&end=100&step=NaN",
        "start=-292273086-05-16T16:47:06Z&end=292277025-08-18T07:12:54.999999999Z&step=1e9"}) {
    this->ExpectSame(std::string("/api/v1/query_range?query=time()&") + range);
  }
}

TYPED_TEST(QueryDifferentialTest, MetadataEndpoints) {
  for (const char* target : {
           "/api/v1/labels",
           "/api/v1/label/instance/values",
           "/api/v1/label/__name__/values",
           "/api/v1/label/nonexistent/values",
           "/api/v1/label/1x/values",
           "/api/v1/series?match[]=up",
           "/api/v1/series?match[]=up&match[]=queue_length",
           "/api/v1/series?match[]=http_requests_total%7Bstatus%3D%22500%22%7D",
           "/api/v1/series",
           "/api/v1/labels?match[]=up",
           "/api/v1/label/job/values?match[]=queue_length",
       }) {
    this->ExpectSame(target);
  }
}

}  // namespace
}  // namespace tsdbd
