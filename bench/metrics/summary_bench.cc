// Cost of a summary: Observe (a mutex and an append) and Read (a sort of the window).
#include <benchmark/benchmark.h>

#include <chrono>
#include <memory>

#include "lib/metrics/summary.h"

namespace tsdbd::metrics {
namespace {

Summary::Options Options(std::size_t max_per_bucket = 8192) {
  Summary::Options o;
  o.quantiles =
      std::make_shared<const std::vector<double>>(std::vector<double>{0.01, 0.05, 0.5, 0.9, 0.99});
  o.max_per_bucket = max_per_bucket;
  return o;
}

void BM_SummaryObserve(benchmark::State& state) {
  static Summary* s = new Summary(Options());
  double v = 0;
  for (auto _ : state) {
    s->Observe(v);
    v = v > 20 ? 0 : v + 0.37;
  }
}
BENCHMARK(BM_SummaryObserve)->Threads(1)->Threads(2);

// Past max_per_bucket every observation also draws a random number (reservoir sampling).
void BM_SummaryObserveSampling(benchmark::State& state) {
  Summary s(Options(256));
  double v = 0;
  for (int i = 0; i < 1000; ++i) s.Observe(i);
  for (auto _ : state) {
    s.Observe(v);
    v = v > 20 ? 0 : v + 0.37;
  }
}
BENCHMARK(BM_SummaryObserveSampling);

// Read with k observations spread over the window's five buckets (all kept up to
// k = 5 * 8192, the most a window keeps).
void BM_SummaryRead(benchmark::State& state) {
  Summary s(Options());
  const auto k = state.range(0);
  const Summary::Clock::time_point t0 = Summary::Clock::now();
  const auto step = std::chrono::minutes(10) / k;
  std::uint64_t x = 88172645463325252ull;
  for (std::int64_t i = 0; i < k; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    s.ObserveAt(static_cast<double>(x % 1000000) / 1000, t0 + i * step);
  }
  const Summary::Clock::time_point read_at = t0 + (k - 1) * step;
  for (auto _ : state) benchmark::DoNotOptimize(s.ReadAt(read_at));
  state.SetItemsProcessed(state.iterations() * k);
}
BENCHMARK(BM_SummaryRead)->Arg(40)->Arg(1000)->Arg(8192)->Arg(40960);

}  // namespace
}  // namespace tsdbd::metrics
