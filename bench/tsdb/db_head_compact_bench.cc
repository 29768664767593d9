// Head compaction through the DB: N series hold 3h15m of samples at 15s in the head (so it
// spans more than 1.5 block ranges of 2h), and DB::Compact() writes the oldest 2h as one
// block and truncates the head and the WAL, as the background loop does. Reports wall-time
// series/s and samples/s (the block is fsync'd), the block's bytes per sample, and the RSS
// rise of the compaction (heap, and mapped pages of the new block that were touched).
//
// The samples are shaped like scraped ones, not like a generator's arithmetic: timestamps
// of a target jitter by a few milliseconds around the 15s grid, counters grow by random
// amounts, CPU-seconds counters step by 0.01, gauges take a bounded random walk. Set
// TSDBD_BENCH_REGULAR=1 for exact timestamps and constant increments (wal_gen's shape).
//
//   tsdb_bench --benchmark_filter=HeadCompaction
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench/tsdb/bench_process.h"
#include "lib/tsdb/db/db.h"

namespace tsdbd::tsdb {
namespace {

namespace fs = std::filesystem;
using bench::RssParts;
using bench::RssSampler;
using bench::ScratchDir;

constexpr int64_t kBlockMs = 2 * 60 * 60 * 1000;
constexpr int64_t kIntervalMs = 15'000;
constexpr int kSamples = 13 * 60;  // 3h15m at 15s: one 2h block is compactable
constexpr int kSeriesPerTarget = 100;



enum class Kind { kRequests, kBucket, kCpuSeconds, kGauge, kJobs };

// wal_gen's label shapes (ten labels, five metric names), 100 series per target.
Labels SeriesLabels(int i) {
  static const char* kNames[] = {"http_requests_total", "http_request_duration_seconds_bucket",
                                 "process_cpu_seconds_total", "db_connections", "queue_jobs_total"};
  static const char* kMethods[] = {"GET", "POST", "PUT", "DELETE"};
  static const char* kStatus[] = {"200", "201", "400", "404", "500"};
  const int target = i / kSeriesPerTarget;
  return Labels{{"__name__", kNames[i % 5]},
                {"cluster", "production"},
                {"env", "prod"},
                {"instance", "10.0." + std::to_string(target / 250) + "." +
                                 std::to_string(target % 250) + ":8000"},
                {"job", "service-" + std::to_string(target % 50)},
                {"method", kMethods[(i / 5) % 4]},
                {"path", "/api/v1/resource/" + std::to_string((i / 20) % 100)},
                {"region", "eu-west-1"},
                {"series", std::to_string(i)},
                {"status", kStatus[(i / 7) % 5]}};
}

// Moves one series' value to its next scrape.
struct SeriesState {
  Kind kind;
  double value = 0;
  double rate = 0;  // mean increment per scrape
};

double Next(SeriesState& s, std::mt19937_64& rng, bool regular) {
  if (regular) return s.value += s.rate;
  switch (s.kind) {
    case Kind::kRequests:
    case Kind::kBucket:
    case Kind::kJobs:
      s.value += std::poisson_distribution<int>(s.rate)(rng);
      break;
    case Kind::kCpuSeconds:
      s.value += 0.01 * std::poisson_distribution<int>(s.rate)(rng);
      s.value = std::round(s.value * 100) / 100;
      break;
    case Kind::kGauge:
      s.value = std::clamp(s.value + std::uniform_int_distribution<int>(-2, 2)(rng), 0.0, 100.0);
      break;
  }
  return s.value;
}

// Appends kSamples samples of n series, one commit per target and scrape.
Status Fill(DB& db, int n, bool regular) {
  std::mt19937_64 rng(42);
  std::vector<Labels> labels(n);
  std::vector<SeriesState> state(n);
  for (int i = 0; i < n; ++i) {
    labels[i] = SeriesLabels(i);
    state[i].kind = static_cast<Kind>(i % 5);
    state[i].rate = 1 + (i * 7919) % 200;  // 1..200 events per scrape
    state[i].value = (i * 104729) % 1000;
  }
  std::vector<storage::SeriesRef> refs(n, 0);
  const int64_t start = 1'700'000'000'000 / kBlockMs * kBlockMs;
  for (int k = 0; k < kSamples; ++k) {
    for (int first = 0; first < n; first += kSeriesPerTarget) {
      const int64_t jitter = regular ? 0 : std::uniform_int_distribution<int>(0, 4)(rng);
      const int64_t t = start + k * kIntervalMs + jitter;
      auto app = db.NewAppender();
      for (int i = first; i < std::min(n, first + kSeriesPerTarget); ++i) {
        auto out = app->Append(refs[i], labels[i], t, Next(state[i], rng, regular));
        if (!out.ok()) return Error("append failed");
        refs[i] = out.ref;
      }
      if (Status s = app->Commit(); !s.ok()) return s;
    }
  }
  return Status::Ok();
}

void BM_HeadCompaction(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const bool regular = std::getenv("TSDBD_BENCH_REGULAR") != nullptr;
  double seconds = 0, samples = 0, bytes = 0;
  uint64_t base_anon = 0, peak_anon = 0, base_file = 0, peak_file = 0;
  for (auto _ : state) {
    state.PauseTiming();
    ScratchDir dir("db-head-compact-bench");
    DbOptions o;
    o.dir = dir.path();
    o.background = false;
    auto db = DB::Open(o);
    if (!db.ok()) {
      state.SkipWithError(db.error().message().c_str());
      return;
    }
    if (Status s = Fill(**db, n, regular); !s.ok()) {
      state.SkipWithError(s.message().c_str());
      return;
    }
    malloc_trim(0);
    std::tie(base_anon, base_file) = RssParts();
    state.ResumeTiming();
    RssSampler sampler;
    const auto start = std::chrono::steady_clock::now();
    Status s = (*db)->Compact();
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    sampler.Stop();
    state.PauseTiming();
    peak_anon = std::max(peak_anon, sampler.max_anon());
    peak_file = std::max(peak_file, sampler.max_file());
    const auto blocks = (*db)->Blocks();
    if (!s.ok() || blocks.size() != 1) {
      state.SkipWithError(s.ok() ? "expected exactly one block" : s.message().c_str());
      return;
    }
    samples += static_cast<double>(blocks[0]->meta().stats.num_samples);
    bytes += static_cast<double>(blocks[0]->Size());
    (void)(*db)->Close();
    db->reset();
    state.ResumeTiming();
  }
  const double iters = static_cast<double>(state.iterations());
  state.counters["series/s"] = n * iters / seconds;
  state.counters["samples/s"] = samples / seconds;
  state.counters["bytes/sample"] = bytes / samples;
  state.counters["anon_before_MiB"] = static_cast<double>(base_anon) / (1 << 20);
  state.counters["anon_rise_MiB"] =
      (static_cast<double>(peak_anon) - static_cast<double>(base_anon)) / (1 << 20);
  state.counters["file_rise_MiB"] =
      (static_cast<double>(peak_file) - static_cast<double>(base_file)) / (1 << 20);
}

BENCHMARK(BM_HeadCompaction)
    ->Arg(20000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseRealTime();

}  // namespace
}  // namespace tsdbd::tsdb
