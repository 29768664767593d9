// Head deletion (the admin API's delete_series on head data): each iteration deletes one
// sample time from the matching series, so every matching series re-encodes one chunk.
// The head holds N series of 480 samples (15 s apart, 4 chunks each), no WAL: this is the
// CPU of finding the series and rewriting their chunks.
//
//   tsdb_bench --benchmark_filter=HeadDelete
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "lib/tsdb/head/head.h"

namespace tsdbd::tsdb {
namespace {

constexpr int kSamples = 480;
constexpr int64_t kStep = 15000;

std::unique_ptr<Head> MakeHead(int series) {
  HeadOptions o;
  o.chunk_range_ms = 2 * 60 * 60 * 1000;
  auto h = Head::Open(o);
  if (!h.ok()) return nullptr;
  for (int i = 0; i < kSamples; ++i) {
    auto app = (*h)->NewAppender();
    for (int s = 0; s < series; ++s) {
      (void)app->Append(0, Labels{{"__name__", "m"}, {"s", std::to_string(s)}}, i * kStep,
                        static_cast<double>(i));
    }
    (void)app->Commit();
  }
  return std::move(*h);
}

// Deletes one sample time of every series per iteration.
void BM_HeadDeleteAllSeries(benchmark::State& state) {
  const int series = static_cast<int>(state.range(0));
  auto head = MakeHead(series);
  std::vector<Matcher> ms{Matcher::MustMake(Matcher::Type::kEqual, "__name__", "m")};
  int64_t i = 0;
  for (auto _ : state) {
    const int64_t t = (i++ % kSamples) * kStep;
    if (!head->Delete(t, t, ms).ok()) state.SkipWithError("delete failed");
  }
  state.SetItemsProcessed(state.iterations() * series);  // series rewritten
}
BENCHMARK(BM_HeadDeleteAllSeries)->Arg(10000)->Iterations(50)->Unit(benchmark::kMillisecond);

// Deletes one sample time of one series (selected by an equality matcher) per iteration.
void BM_HeadDeleteOneSeries(benchmark::State& state) {
  const int series = static_cast<int>(state.range(0));
  auto head = MakeHead(series);
  int64_t i = 0;
  for (auto _ : state) {
    const int64_t t = (i % kSamples) * kStep;
    std::vector<Matcher> ms{
        Matcher::MustMake(Matcher::Type::kEqual, "s", std::to_string(i % series))};
    ++i;
    if (!head->Delete(t, t, ms).ok()) state.SkipWithError("delete failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HeadDeleteOneSeries)->Arg(10000)->Iterations(20000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tsdbd::tsdb
