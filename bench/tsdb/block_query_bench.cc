// Reading the same samples from the head and from blocks through DB::NewQuerier, as a range
// query does (issue #6): select the series, then read each one's samples, either every
// sample (Next) or one per 60 s step (Seek, the evaluator's pattern). 2.5 h of 15 s samples;
// the "blocks" DB uses 30 min blocks (compacted up to 90 min), so the oldest 80 minutes that
// are read lie in blocks and cross a block boundary; the "head" DB keeps everything in the
// head. Series selection (index, chunk refs) and sample decoding are both in the figure.
//
//   tsdb_bench --benchmark_filter=BlockQuery
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "bench/tsdb/bench_process.h"
#include "lib/tsdb/db/db.h"

namespace tsdbd::tsdb {
namespace {

constexpr int64_t kMinute = 60'000;
constexpr int64_t kIntervalMs = 15'000;
constexpr int kSamples = 150 * 4;  // 2.5 h at 15 s
// Half-way into a 90 min range, so that the range read crosses the boundary of two blocks.
constexpr int64_t kStart = 1'700'000'000'000 / (90 * kMinute) * (90 * kMinute) + 45 * kMinute;
constexpr int64_t kQueryMin = kStart + 5 * kMinute;
constexpr int64_t kQueryMax = kStart + 85 * kMinute;

Labels SeriesLabels(int i) {
  static const char* kNames[] = {"http_requests_total", "process_cpu_seconds_total",
                                 "db_connections", "queue_jobs_total"};
  return Labels{{"__name__", kNames[i % 4]},
                {"instance", "10.0.0." + std::to_string(i / 100) + ":8000"},
                {"job", "service-" + std::to_string(i % 50)},
                {"series", std::to_string(i)}};
}

struct Fixture {
  bench::ScratchDir dir;
  std::unique_ptr<DB> db;
  std::string error;

  Fixture(int series, bool blocks) : dir(blocks ? "block-query-blocks" : "block-query-head") {
    DbOptions o;
    o.dir = dir.path();
    o.background = false;
    if (blocks) {
      o.min_block_duration_ms = 30 * kMinute;
      o.max_block_duration_ms = 90 * kMinute;
    }
    auto opened = DB::Open(o);
    if (!opened.ok()) {
      error = opened.error().message();
      return;
    }
    db = std::move(*opened);
    std::vector<Labels> labels(series);
    for (int i = 0; i < series; ++i) labels[i] = SeriesLabels(i);
    std::vector<storage::SeriesRef> refs(series, 0);
    for (int k = 0; k < kSamples; ++k) {
      auto app = db->NewAppender();
      for (int i = 0; i < series; ++i)
        refs[i] = app->Append(refs[i], labels[i], kStart + k * kIntervalMs, k * (1 + i % 7)).ref;
      if (Status s = app->Commit(); !s.ok()) error = s.message();
    }
    if (!blocks) return;
    if (Status s = db->Compact(); !s.ok()) error = s.message();
  }
};

Fixture& Shared(bool blocks) {
  static Fixture head(10'000, false), on_blocks(10'000, true);
  return blocks ? on_blocks : head;
}

// Reads every selected series' samples in the query range: all of them (step 0) or the
// first at or after each step.
void ReadRange(benchmark::State& state, bool blocks, int64_t step_ms) {
  Fixture& f = Shared(blocks);
  if (!f.error.empty()) {
    state.SkipWithError(f.error.c_str());
    return;
  }
  const Matcher m = Matcher::MustMake(Matcher::Type::kEqual, "__name__", "queue_jobs_total");
  int64_t samples = 0;
  double sum = 0;
  for (auto _ : state) {
    auto q = f.db->NewQuerier(kQueryMin, kQueryMax);
    if (!q.ok()) {
      state.SkipWithError(q.error().message().c_str());
      return;
    }
    auto set = (*q)->Select(true, nullptr, std::span(&m, 1));
    while (set->Next()) {
      auto it = set->At()->Iterator();
      if (step_ms == 0) {
        for (; it->Next(); ++samples) sum += it->At().v;
      } else {
        for (int64_t t = kQueryMin; t <= kQueryMax && it->Seek(t); t += step_ms, ++samples) {
          sum += it->At().v;
        }
      }
    }
  }
  benchmark::DoNotOptimize(sum);
  state.counters["samples/s"] =
      benchmark::Counter(static_cast<double>(samples), benchmark::Counter::kIsRate);
  state.counters["blocks"] = static_cast<double>(f.db->Blocks().size());
}

void BM_BlockQueryNext(benchmark::State& state) {
  ReadRange(state, state.range(0) != 0, 0);
}
void BM_BlockQuerySeekSteps(benchmark::State& state) {
  ReadRange(state, state.range(0) != 0, kMinute);
}
BENCHMARK(BM_BlockQueryNext)->ArgName("blocks")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BlockQuerySeekSteps)->ArgName("blocks")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tsdbd::tsdb
