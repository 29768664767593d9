// Cost of the update paths of the self-metrics.
#include <benchmark/benchmark.h>

#include "lib/metrics/registry.h"
#include "lib/model/value_format.h"

namespace tsdbd::metrics {
namespace {

void BM_CounterInc(benchmark::State& state) {
  static Registry* registry = new Registry();
  static Counter& c = registry->AddCounter("bench_counter_total", "B.");
  for (auto _ : state) c.Inc();
  benchmark::DoNotOptimize(c.Value());
}
BENCHMARK(BM_CounterInc)->Threads(1)->Threads(2);

void BM_CounterAddFractional(benchmark::State& state) {
  Counter c;
  for (auto _ : state) c.Add(0.5);
  benchmark::DoNotOptimize(c.Value());
}
BENCHMARK(BM_CounterAddFractional);

void BM_GaugeSet(benchmark::State& state) {
  Gauge g;
  double v = 0;
  for (auto _ : state) g.Set(v += 1);
  benchmark::DoNotOptimize(g.Value());
}
BENCHMARK(BM_GaugeSet);

void BM_HistogramObserve(benchmark::State& state) {
  Registry registry;
  Histogram& h = registry.AddHistogram("h", "H.");
  double v = 0;
  for (auto _ : state) {
    h.Observe(v);
    v = v > 20 ? 0 : v + 0.37;
  }
}
BENCHMARK(BM_HistogramObserve);

// The fast path: the child exists, so a hash, a shared lock and a compare.
void BM_WithLabelValuesExisting(benchmark::State& state) {
  static Registry* registry = new Registry();
  static CounterFamily& f =
      registry->AddCounterFamily("bench_requests_total", "B.", {"handler", "code"});
  for (int i = 0; i < 100; ++i) f.WithLabelValues({"/api/v1/query", std::to_string(i)});
  for (auto _ : state) f.WithLabelValues({"/api/v1/query", "42"}).Inc();
}
BENCHMARK(BM_WithLabelValuesExisting)->Threads(1)->Threads(2);

void BM_WriteText(benchmark::State& state) {
  Registry registry;
  CounterFamily& f = registry.AddCounterFamily("requests_total", "R.", {"handler", "code"});
  HistogramFamily& h = registry.AddHistogramFamily("duration_seconds", "D.", {"handler"});
  for (int i = 0; i < 50; ++i) {
    std::string handler = "/h" + std::to_string(i);
    f.WithLabelValues({handler, "200"}).Add(i * 1000);
    h.WithLabelValues({handler}).Observe(i * 0.01);
  }
  std::string out;
  for (auto _ : state) {
    out.clear();
    registry.AppendText(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * out.size()));
}
BENCHMARK(BM_WriteText);

void BM_AppendFloatG(benchmark::State& state) {
  std::string out;
  double v = 1.2345e-3;
  for (auto _ : state) {
    out.clear();
    AppendFloatG(out, v);
    v *= 1.0001;
  }
}
BENCHMARK(BM_AppendFloatG);

}  // namespace
}  // namespace tsdbd::metrics
