// Writes a Prometheus-format WAL of synthetic, realistic series into <dir>/wal, so that
// tsdbd and Prometheus can be started on copies of the same data and compared.
//   wal_gen <data-dir> <series> <samples-per-series> [scrape-interval-ms]
// Series look like an application's: http_requests_total{job,instance,method,path,status}
// and friends, 10 labels each; samples end now.
#include <fmt/format.h>

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

std::vector<Label> SeriesLabels(int64_t i) {
  static const char* kNames[] = {"http_requests_total", "http_request_duration_seconds_bucket",
                                 "process_cpu_seconds_total", "db_connections",
                                 "queue_jobs_total"};
  static const char* kMethods[] = {"GET", "POST", "PUT", "DELETE"};
  static const char* kStatus[] = {"200", "201", "400", "404", "500"};
  std::vector<Label> l = {
      {"__name__", kNames[i % 5]},
      {"cluster", "production"},
      {"env", "prod"},
      {"instance", fmt::format("10.0.{}.{}:8000", (i / 1000) % 256, (i / 4) % 250)},
      {"job", fmt::format("service-{}", (i / 2000) % 50)},
      {"method", kMethods[(i / 5) % 4]},
      {"path", fmt::format("/api/v1/resource/{}", (i / 20) % 100)},
      {"region", "eu-west-1"},
      {"series", std::to_string(i)},
      {"status", kStatus[(i / 7) % 5]},
  };
  return l;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: wal_gen <data-dir> <series> <samples-per-series> [interval-ms]\n");
    return 2;
  }
  const std::string dir = std::string(argv[1]) + "/wal";
  const int64_t series = std::atoll(argv[2]);
  const int64_t samples = std::atoll(argv[3]);
  const int64_t interval = argc > 4 ? std::atoll(argv[4]) : 15'000;
  auto wal = tsdbd::tsdb::wal::Wal::Open(dir);
  if (!wal.ok()) {
    std::fprintf(stderr, "wal_gen: %s\n", wal.error().message().c_str());
    return 1;
  }
  std::string rec;
  constexpr int64_t kBatch = 10'000;
  for (int64_t first = 0; first < series; first += kBatch) {
    std::vector<RefSeries> batch;
    for (int64_t i = first; i < std::min(series, first + kBatch); ++i) {
      std::vector<Label> labels = SeriesLabels(i);
      batch.push_back({static_cast<uint64_t>(i + 1), std::move(labels)});
    }
    rec.clear();
    tsdbd::tsdb::record::EncodeSeries(batch, &rec);
    if (!(*wal)->Log({rec}).ok()) return 1;
  }
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const int64_t start = now - (samples - 1) * interval;
  for (int64_t s = 0; s < samples; ++s) {
    for (int64_t first = 0; first < series; first += kBatch) {
      std::vector<RefSample> batch;
      for (int64_t i = first; i < std::min(series, first + kBatch); ++i) {
        batch.push_back({static_cast<uint64_t>(i + 1), start + s * interval,
                         static_cast<double>(s * (i % 17 + 1))});
      }
      rec.clear();
      tsdbd::tsdb::record::EncodeSamples(batch, &rec);
      if (!(*wal)->Log({rec}).ok()) return 1;
    }
  }
  return (*wal)->Close().ok() ? 0 : 1;
}
