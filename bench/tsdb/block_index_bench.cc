// Block index: writer series/s (and heap bytes per series it buffers), reader Series() and
// postings look-ups per second, open time.
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "lib/model/labels.h"
#include "lib/tsdb/block/index_reader.h"
#include "lib/tsdb/block/index_writer.h"
#include "lib/tsdb/index/postings_matchers.h"

namespace tsdbd::tsdb::block {
namespace {

struct BenchSeries {
  Labels labels;
  std::vector<ChunkMeta> chunks;
};

// Kubernetes-like series: 200 metric names, 10 jobs, 2000 instances, a unique pod each
// 20 series, a few histogram buckets; three chunks each.
std::vector<BenchSeries> MakeSeries(size_t n) {
  std::vector<BenchSeries> out;
  out.reserve(n);
  std::mt19937_64 rng(1);
  for (size_t i = 0; i < n; ++i) {
    const std::string metric = "metric_name_" + std::to_string(i % 200) + "_total";
    const std::string job = "job-" + std::to_string(i % 10);
    const std::string instance = "10.0." + std::to_string(i / 20 % 2000 / 250) + "." +
                                 std::to_string(i / 20 % 250) + ":9100";
    const std::string pod = "pod-" + std::to_string(i / 20) + "-5d8f7c9b4";
    const std::string le = std::to_string(i % 7);
    Labels l{{"__name__", metric},     {"job", job}, {"instance", instance},       {"pod", pod},
             {"namespace", "default"}, {"le", le},   {"series", std::to_string(i)}};
    BenchSeries s{l, {}};
    uint64_t ref = 8 + i * 400;
    for (int c = 0; c < 3; ++c) {
      s.chunks.push_back(
          {ref, 1'700'000'000'000 + c * 2'400'000, 1'700'000'000'000 + c * 2'400'000 + 2'385'000});
      ref += 130;
    }
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(),
            [](const BenchSeries& a, const BenchSeries& b) { return a.labels < b.labels; });
  return out;
}

std::vector<std::string> SymbolsOf(const std::vector<BenchSeries>& series) {
  std::set<std::string> s;
  for (const BenchSeries& b : series) {
    for (Label l : b.labels) {
      s.emplace(l.name);
      s.emplace(l.value);
    }
  }
  return {s.begin(), s.end()};
}

std::string IndexPath(size_t n) {
  return (std::filesystem::temp_directory_path() /
          ("tsdbd_block_index_bench_" + std::to_string(getpid()) + "_" + std::to_string(n)))
      .string();
}

void Write(const std::string& path, const std::vector<std::string>& symbols,
           const std::vector<BenchSeries>& series, benchmark::State* state) {
  auto w = IndexWriter::Create(path);
  if (!w.ok()) {
    state->SkipWithError(w.error().message().c_str());
    return;
  }
  for (const std::string& s : symbols) (void)(*w)->AddSymbol(s);
  for (const BenchSeries& s : series) (void)(*w)->AddSeries(s.labels, s.chunks);
  if (Status st = (*w)->Close(); !st.ok()) state->SkipWithError(st.message().c_str());
}

long MaxRssKiB() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

void BM_IndexWriter(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const std::vector<BenchSeries> series = MakeSeries(n);
  const std::vector<std::string> symbols = SymbolsOf(series);
  const std::string path = IndexPath(n);
  const long rss_before = MaxRssKiB();
  uint64_t bytes = 0;
  for (auto _ : state) {
    Write(path, symbols, series, &state);
    bytes = std::filesystem::file_size(path);
  }
  // Peak RSS growth while writing (the series themselves were built before), per series.
  state.counters["peak_rss_bytes_per_series"] =
      static_cast<double>(MaxRssKiB() - rss_before) * 1024 / static_cast<double>(n);
  state.counters["file_bytes_per_series"] = static_cast<double>(bytes) / static_cast<double>(n);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
  std::remove(path.c_str());
}
BENCHMARK(BM_IndexWriter)->Arg(100'000)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_IndexWriter)->Arg(1'000'000)->Unit(benchmark::kMillisecond)->Iterations(1);

// One written index shared by the reader benchmarks.
struct ReaderFixture {
  explicit ReaderFixture(size_t n) : path(IndexPath(n)) {
    const std::vector<BenchSeries> series = MakeSeries(n);
    auto w = IndexWriter::Create(path);
    for (const std::string& s : SymbolsOf(series)) (void)(*w)->AddSymbol(s);
    for (const BenchSeries& s : series) (void)(*w)->AddSeries(s.labels, s.chunks);
    (void)(*w)->Close();
    reader = IndexReader::Open(path).value();
    refs = index::ExpandPostings(*reader->All());
    for (const std::string& name : reader->LabelNames()) {
      for (const std::string& value : reader->LabelValues(name)) pairs.emplace_back(name, value);
    }
  }
  ~ReaderFixture() { std::remove(path.c_str()); }
  std::string path;
  std::unique_ptr<IndexReader> reader;
  std::vector<uint64_t> refs;
  std::vector<std::pair<std::string, std::string>> pairs;
};

ReaderFixture& Fixture() {
  static ReaderFixture f(200'000);
  return f;
}

void BM_IndexReaderSeries(benchmark::State& state) {
  ReaderFixture& f = Fixture();
  std::mt19937_64 rng(2);
  Labels labels;
  std::vector<ChunkMeta> chunks;
  for (auto _ : state) {
    const uint64_t ref = f.refs[rng() % f.refs.size()];
    if (!f.reader->Series(ref, &labels, &chunks).ok()) state.SkipWithError("series");
    benchmark::DoNotOptimize(labels);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_IndexReaderSeries)->Threads(1)->Threads(2);

void BM_IndexReaderPostingsGet(benchmark::State& state) {
  ReaderFixture& f = Fixture();
  std::mt19937_64 rng(3);
  uint64_t total = 0;
  for (auto _ : state) {
    const auto& [name, value] = f.pairs[rng() % f.pairs.size()];
    index::PostingsPtr p = f.reader->Get(name, value);
    while (p->Next()) ++total;
  }
  benchmark::DoNotOptimize(total);
  state.SetItemsProcessed(state.iterations());
  state.counters["refs_per_lookup"] =
      static_cast<double>(total) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_IndexReaderPostingsGet);

void BM_IndexReaderLookupOnly(benchmark::State& state) {
  ReaderFixture& f = Fixture();
  std::mt19937_64 rng(4);
  for (auto _ : state) {
    const auto& [name, value] = f.pairs[rng() % f.pairs.size()];
    benchmark::DoNotOptimize(f.reader->Get(name, value));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_IndexReaderLookupOnly);

// A "prefix.*" matcher on a label with 10k values (pod) and one with 200k (series).
void BM_IndexReaderPrefixRegex(benchmark::State& state) {
  ReaderFixture& f = Fixture();
  const std::vector<Matcher> ms = {
      state.range(0) == 0 ? Matcher::MustMake(Matcher::Type::kRegexMatch, "pod", "pod-42.*")
                          : Matcher::MustMake(Matcher::Type::kRegexMatch, "series", "1234.*")};
  size_t n = 0;
  for (auto _ : state) {
    index::PostingsPtr p = index::PostingsForMatchers(*f.reader, ms);
    n = 0;
    while (p->Next()) ++n;
  }
  state.counters["series"] = static_cast<double>(n);
}
BENCHMARK(BM_IndexReaderPrefixRegex)->ArgName("series_label")->Arg(0)->Arg(1);

void BM_IndexReaderOpen(benchmark::State& state) {
  ReaderFixture& f = Fixture();
  for (auto _ : state) {
    auto r = IndexReader::Open(f.path);
    benchmark::DoNotOptimize(r);
  }
  state.counters["series"] = static_cast<double>(f.refs.size());
}
BENCHMARK(BM_IndexReaderOpen)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tsdbd::tsdb::block
