// Writes the data of the query-latency comparison (bench/compare.sh --queries-only) as a
// Prometheus-format WAL in <data-dir>/wal, which tsdbd and Prometheus both replay:
//   query_bench_data <data-dir> <series> <span-ms> <interval-ms>
// The series look like a fleet of instrumented services, 100 per instance:
//   http_requests_total{job,instance,method,path,status}             40 counters
//   http_request_duration_seconds_{bucket{le},sum,count}{job,instance,path}  4 histograms
//   db_connections{job,instance,pool}                                 12 gauges
// Instances are spread over 20 jobs. Samples are `interval` apart over `span`, ending now.
// Values move deterministically (counters grow, buckets stay cumulative).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "lib/tsdb/record/encoder.h"
#include "lib/tsdb/wal/wal.h"

namespace {

using tsdbd::tsdb::record::Label;
using tsdbd::tsdb::record::RefSample;
using tsdbd::tsdb::record::RefSeries;

constexpr int kPerInstance = 100;
constexpr int kJobs = 20;
constexpr int kBuckets = 10;
constexpr const char* kLe[kBuckets] = {"0.005", "0.01", "0.025", "0.05", "0.1",
                                       "0.25",  "0.5",  "1",     "2.5",  "+Inf"};
constexpr int kCumulative[kBuckets] = {1, 2, 4, 6, 9, 12, 14, 15, 16, 16};  // in 1/16

enum class Kind { kCounter, kBucket, kSum, kCount, kGauge };

struct SeriesShape {
  Kind kind;
  int bucket;  // for kBucket
};

// The labels of series `i` (sorted by name, as the WAL wants) and how its value moves.
SeriesShape Describe(int64_t i, std::vector<Label>* out) {
  static const char* kMethods[] = {"DELETE", "GET", "POST", "PUT"};
  static const char* kStatus[] = {"200", "201", "400", "404", "500"};
  const int64_t inst = i / kPerInstance;
  const int k = static_cast<int>(i % kPerInstance);
  const std::string job = "service-" + std::to_string(inst % kJobs);
  const std::string instance =
      "10.1." + std::to_string(inst / 250) + "." + std::to_string(inst % 250) + ":8080";
  auto path = [](int p) { return "/api/v1/resource/" + std::to_string(p); };
  out->clear();
  if (k < 40) {
    *out = {{"__name__", "http_requests_total"},
            {"instance", instance},
            {"job", job},
            {"method", kMethods[k % 4]},
            {"path", path(k / 20)},
            {"status", kStatus[k / 4 % 5]}};
    return {Kind::kCounter, 0};
  }
  if (k < 88) {
    const int h = (k - 40) / 12, b = (k - 40) % 12;
    const std::string p = path(h + 2);
    if (b < kBuckets) {
      *out = {{"__name__", "http_request_duration_seconds_bucket"},
              {"instance", instance},
              {"job", job},
              {"le", kLe[b]},
              {"path", p}};
      return {Kind::kBucket, b};
    }
    const bool sum = b == kBuckets;
    *out = {{"__name__",
             sum ? "http_request_duration_seconds_sum" : "http_request_duration_seconds_count"},
            {"instance", instance},
            {"job", job},
            {"path", p}};
    return {sum ? Kind::kSum : Kind::kCount, 0};
  }
  *out = {{"__name__", "db_connections"},
          {"instance", instance},
          {"job", job},
          {"pool", "pool-" + std::to_string(k - 88)}};
  return {Kind::kGauge, 0};
}

double Value(const SeriesShape& s, int64_t i, int64_t n) {
  const int64_t rate = 1 + i % 5;
  switch (s.kind) {
    case Kind::kCounter:
      return static_cast<double>(i % 97 + n * (1 + i % 7));
    case Kind::kBucket:
      return static_cast<double>(n * rate * kCumulative[s.bucket]);
    case Kind::kSum:
      return static_cast<double>(n * rate * 16) * 0.12;
    case Kind::kCount:
      return static_cast<double>(n * rate * 16);
    case Kind::kGauge:
      return static_cast<double>((i * 31 + n * 7) % 100);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: query_bench_data <data-dir> <series> <span-ms> <interval-ms>\n");
    return 2;
  }
  const std::string dir = std::string(argv[1]) + "/wal";
  const int64_t series = std::atoll(argv[2]);
  const int64_t span = std::atoll(argv[3]);
  const int64_t interval = std::atoll(argv[4]);
  if (series <= 0 || span < 0 || interval <= 0) {
    std::fprintf(stderr, "query_bench_data: series and interval must be positive\n");
    return 2;
  }
  auto wal = tsdbd::tsdb::wal::Wal::Open(dir);
  if (!wal.ok()) {
    std::fprintf(stderr, "query_bench_data: %s\n", wal.error().message().c_str());
    return 1;
  }
  constexpr int64_t kBatch = 10'000;
  std::vector<SeriesShape> shapes(series);
  std::string rec;
  std::vector<Label> labels;
  for (int64_t first = 0; first < series; first += kBatch) {
    std::vector<RefSeries> batch;
    for (int64_t i = first; i < std::min(series, first + kBatch); ++i) {
      shapes[i] = Describe(i, &labels);
      batch.push_back({static_cast<uint64_t>(i + 1), labels});
    }
    rec.clear();
    tsdbd::tsdb::record::EncodeSeries(batch, &rec);
    if (auto r = (*wal)->Log({rec}); !r.ok()) {
      std::fprintf(stderr, "query_bench_data: %s\n", r.error().message().c_str());
      return 1;
    }
  }
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const int64_t samples = span / interval + 1;
  const int64_t start = now - (samples - 1) * interval;
  std::vector<RefSample> batch;
  batch.reserve(kBatch);
  for (int64_t n = 0; n < samples; ++n) {
    for (int64_t first = 0; first < series; first += kBatch) {
      batch.clear();
      for (int64_t i = first; i < std::min(series, first + kBatch); ++i) {
        batch.push_back(
            {static_cast<uint64_t>(i + 1), start + n * interval, Value(shapes[i], i, n)});
      }
      rec.clear();
      tsdbd::tsdb::record::EncodeSamples(batch, &rec);
      if (auto r = (*wal)->Log({rec}); !r.ok()) {
        std::fprintf(stderr, "query_bench_data: %s\n", r.error().message().c_str());
        return 1;
      }
    }
  }
  if (auto st = (*wal)->Close(); !st.ok()) {
    std::fprintf(stderr, "query_bench_data: %s\n", st.message().c_str());
    return 1;
  }
  std::printf("query_bench_data: %lld series x %lld samples in %s\n",
              static_cast<long long>(series), static_cast<long long>(samples), dir.c_str());
  return 0;
}
