// Query latency of the engine on a synthetic in-memory data set: 10k counter series
// (10 jobs x 1000 instances) and 1k histogram bucket series over 6 h at 15 s, queried over
// the 6 h at a 60 s step (range) or at its end (instant). Compare CPU time, or run under
// callgrind for repeatable instruction counts.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "lib/promql/engine/engine.h"
#include "lib/promql/parser.h"
#include "lib/storage/memory_storage.h"

namespace tsdbd::promql {
namespace {

constexpr int64_t kSpan = 6 * 3600 * 1000;
constexpr int64_t kScrape = 15'000;

storage::MemoryStorage& Data() {
  static storage::MemoryStorage* s = [] {
    auto* m = new storage::MemoryStorage();
    for (int i = 0; i < 10000; ++i) {
      std::vector<storage::Sample> samples;
      samples.reserve(kSpan / kScrape);
      double v = 0;
      for (int64_t t = 0; t < kSpan; t += kScrape) {
        v += (i % 7) + 1;
        samples.push_back({t, v});
      }
      const std::string job = "job-" + std::to_string(i % 10);
      const std::string inst = "host-" + std::to_string(i / 10);
      m->Add(Labels{{"__name__", "x"}, {"job", job}, {"instance", inst}}, std::move(samples));
    }
    const char* les[] = {"0.1", "0.25", "0.5", "1", "2.5", "5", "10", "25", "50", "+Inf"};
    for (int i = 0; i < 100; ++i) {
      for (int b = 0; b < 10; ++b) {
        std::vector<storage::Sample> samples;
        double v = 0;
        for (int64_t t = 0; t < kSpan; t += kScrape) {
          v += b + 1 + (i % 3);
          samples.push_back({t, v});
        }
        m->Add(Labels{{"__name__", "b"}, {"instance", "host-" + std::to_string(i)}, {"le", les[b]}},
               std::move(samples));
      }
    }
    return m;
  }();
  return *s;
}

// Times `eval(engine, data, expr)` (an instant or range evaluation of `query`) and reports
// what the last run returned as the counter `counter`.
template <typename Eval, typename Count>
void Run(benchmark::State& state, const char* query, const char* counter, Eval eval, Count count) {
  auto& data = Data();
  auto expr = ParseExpr(query);
  if (!expr.ok()) {
    state.SkipWithError(expr.error().message().c_str());
    return;
  }
  Engine engine;
  size_t n = 0;
  for (auto _ : state) {
    auto r = eval(engine, data, **expr);
    if (!r.ok()) {
      state.SkipWithError(r.error.message.c_str());
      return;
    }
    n = count(r.result);
    benchmark::DoNotOptimize(r);
  }
  state.counters[counter] = static_cast<double>(n);
}

void RunRange(benchmark::State& state, const char* query) {
  Run(
      state, query, "out_points",
      [](Engine& e, auto& data, const auto& expr) {
        return e.Range(data, expr, 3600'000, kSpan - 1, 60'000);
      },
      [](const auto& result) {
        size_t points = 0;
        for (const auto& s : result.matrix) points += s.points.size();
        return points;
      });
}

void RunInstant(benchmark::State& state, const char* query) {
  Run(
      state, query, "out_samples",
      [](Engine& e, auto& data, const auto& expr) { return e.Instant(data, expr, kSpan - 1); },
      [](const auto& result) { return result.vector.size(); });
}

void BM_SumByJobRate(benchmark::State& s) {
  RunRange(s, "sum by (job) (rate(x[5m]))");
}
void BM_HistogramQuantile(benchmark::State& s) {
  RunRange(s, "histogram_quantile(0.9, sum by (le) (rate(b[5m])))");
}
void BM_TopkRate(benchmark::State& s) {
  RunRange(s, "topk(10, rate(x[5m]))");
}
void BM_RegexSelector(benchmark::State& s) {
  RunRange(s, "sum(rate(x{instance=~\"host-1.*\", job=~\"job-[1-3]\"}[5m]))");
}
void BM_AvgGauge(benchmark::State& s) {
  RunRange(s, "avg(x)");
}
void BM_RateInstant(benchmark::State& s) {
  RunInstant(s, "rate(x[5m])");
}
void BM_TopkRateInstant(benchmark::State& s) {
  RunInstant(s, "topk(10, rate(x[5m]))");
}
void BM_SelectorOnly(benchmark::State& s) {
  RunRange(s, "x{job=\"job-1\"}");
}

BENCHMARK(BM_SumByJobRate)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_HistogramQuantile)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_TopkRate)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_RegexSelector)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_AvgGauge)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_RateInstant)->Unit(benchmark::kMillisecond)->Iterations(20);
BENCHMARK(BM_TopkRateInstant)->Unit(benchmark::kMillisecond)->Iterations(20);
BENCHMARK(BM_SelectorOnly)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace tsdbd::promql
