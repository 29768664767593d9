// Postings on 1M series: intersections, set look-ups and matcher selection.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "lib/tsdb/index/postings_index.h"
#include "lib/tsdb/index/postings_matchers.h"

namespace tsdbd::tsdb::index {
namespace {

const PostingsIndex& Index1M() {
  static PostingsIndex* ix = [] {
    auto* p = new PostingsIndex();
    for (int i = 0; i < 1'000'000; ++i) {
      const int target = i / 1000, k = i % 1000;
      p->Add(static_cast<uint64_t>(i + 1),
             Labels{{"__name__", std::string("metric_").append(std::to_string(k % 100))},
                    {"cpu", std::to_string(k / 100)},
                    {"instance", std::string("host-").append(std::to_string(target)) + ":9100"},
                    {"job", "node"}});
    }
    return p;
  }();
  return *ix;
}

size_t Count(Postings& p) {
  size_t n = 0;
  while (p.Next()) ++n;
  return n;
}

void RunMatchers(benchmark::State& state, std::vector<Matcher> ms) {
  const PostingsIndex& ix = Index1M();
  size_t n = 0;
  for (auto _ : state) {
    auto p = PostingsForMatchers(ix, ms);
    n = Count(*p);
    benchmark::DoNotOptimize(n);
  }
  state.counters["result"] = static_cast<double>(n);
}

using T = Matcher::Type;

// 10k x 1M (job=node is every series).
void BM_IntersectNameAndJob(benchmark::State& state) {
  RunMatchers(state, {Matcher::MustMake(T::kEqual, "__name__", "metric_7"),
                      Matcher::MustMake(T::kEqual, "job", "node")});
}
BENCHMARK(BM_IntersectNameAndJob)->Unit(benchmark::kMicrosecond);

// 10k x 100k x 1k: one series.
void BM_IntersectThree(benchmark::State& state) {
  RunMatchers(state, {Matcher::MustMake(T::kEqual, "__name__", "metric_7"),
                      Matcher::MustMake(T::kEqual, "cpu", "3"),
                      Matcher::MustMake(T::kEqual, "instance", "host-42:9100")});
}
BENCHMARK(BM_IntersectThree)->Unit(benchmark::kMicrosecond);

// A literal alternation answered by set look-ups.
void BM_RegexSet(benchmark::State& state) {
  RunMatchers(state,
              {Matcher::MustMake(T::kRegexMatch, "instance", "host-1:9100|host-2:9100|host-3:9100"),
               Matcher::MustMake(T::kEqual, "__name__", "metric_1")});
}
BENCHMARK(BM_RegexSet)->Unit(benchmark::kMicrosecond);

// A real regex scans the 1000 instance values.
void BM_RegexScan(benchmark::State& state) {
  RunMatchers(state, {Matcher::MustMake(T::kRegexMatch, "instance", "host-1.*"),
                      Matcher::MustMake(T::kEqual, "__name__", "metric_1")});
}
BENCHMARK(BM_RegexScan)->Unit(benchmark::kMicrosecond);

// A negative matcher subtracted from the positive one.
void BM_NotEqual(benchmark::State& state) {
  RunMatchers(state, {Matcher::MustMake(T::kEqual, "__name__", "metric_1"),
                      Matcher::MustMake(T::kNotEqual, "cpu", "3")});
}
BENCHMARK(BM_NotEqual)->Unit(benchmark::kMicrosecond);

void BM_IndexMemory(benchmark::State& state) {
  const PostingsIndex& ix = Index1M();
  for (auto _ : state) benchmark::DoNotOptimize(ix.MemoryBytes());
  state.counters["bytes_per_series"] = static_cast<double>(ix.MemoryBytes()) / 1e6;
}
BENCHMARK(BM_IndexMemory)->Iterations(1);

}  // namespace
}  // namespace tsdbd::tsdb::index
