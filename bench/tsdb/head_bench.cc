// Head benchmarks: append throughput with 1M active series as scrape loops append (refs
// reused, one commit per target), with and without the WAL; memory per series; bytes per
// sample.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "lib/tsdb/head/head.h"

namespace tsdbd::tsdb {
namespace {

constexpr int kSeries = 1'000'000;
constexpr int kPerTarget = 1000;  // samples per scrape (one commit)

size_t RssBytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  long size = 0, resident = 0;
  if (std::fscanf(f, "%ld %ld", &size, &resident) != 2) resident = 0;
  std::fclose(f);
  return static_cast<size_t>(resident) * static_cast<size_t>(::sysconf(_SC_PAGESIZE));
}

// Labels shaped like a node exporter fleet: 1000 targets of 1000 series, 100 metric names,
// 10 values of a "cpu"-like label.
Labels SeriesLabels(int i) {
  const int target = i / kPerTarget, k = i % kPerTarget;
  return Labels{{"__name__", std::string("metric_").append(std::to_string(k % 100))},
                {"cpu", std::to_string(k / 100)},
                {"instance", std::string("host-").append(std::to_string(target)) + ":9100"},
                {"job", "node"},
                {"mode", k % 2 ? "user" : "system"}};
}

struct Workload {
  std::string dir;
  std::unique_ptr<Head> head;
  std::vector<storage::SeriesRef> refs;
  int64_t t = 0;
  size_t rss_before = 0, rss_after = 0;

  // wal: 0 none, 1 WAL (write(2) per commit, as Prometheus), 2 WAL + fdatasync per commit
  // (group-committed). The WAL goes under $TSDBD_BENCH_DIR (default /tmp).
  explicit Workload(int wal) {
    HeadOptions o;
    if (wal > 0) {
      const char* base = std::getenv("TSDBD_BENCH_DIR");
      std::string tmpl = std::string(base ? base : "/tmp") + "/tsdbd-head-bench-XXXXXX";
      dir = ::mkdtemp(tmpl.data());
      o.wal_dir = dir + "/wal";
      o.sync_on_commit = wal == 2;
    }
    rss_before = RssBytes();
    head = Head::Open(o).value();
    refs.assign(kSeries, 0);
    Round();  // creates the series
    rss_after = RssBytes();
  }
  ~Workload() {
    head.reset();
    if (!dir.empty()) std::filesystem::remove_all(dir);
  }
  // One scrape of one target.
  void Scrape(int target) {
    auto app = head->NewAppender();
    for (int k = 0; k < kPerTarget; ++k) {
      const int i = target * kPerTarget + k;
      // Counters that grow by varying amounts, as real ones do.
      const double v = std::floor(static_cast<double>(t) / 1000.0 * (1 + i % 7));
      auto r = app->Append(refs[i], refs[i] ? Labels() : SeriesLabels(i), t, v);
      refs[i] = r.ref;
    }
    (void)app->Commit();
  }
  void Round() {
    for (int target = 0; target < kSeries / kPerTarget; ++target) Scrape(target);
    t += 15000;
  }
};

Workload& Get(int wal) {
  static Workload* w[3] = {nullptr, nullptr, nullptr};
  if (!w[wal]) {
    for (auto*& other : w) {  // one 1M-series workload in memory at a time
      delete other;
      other = nullptr;
    }
    w[wal] = new Workload(wal);
  }
  return *w[wal];
}

void BM_HeadAppendScrapeLoop(benchmark::State& state) {
  Workload& w = Get(static_cast<int>(state.range(0)));
  int target = 0;
  for (auto _ : state) {
    w.Scrape(target);
    if (++target == kSeries / kPerTarget) {
      target = 0;
      w.t += 15000;
    }
  }
  state.SetItemsProcessed(state.iterations() * kPerTarget);
  state.counters["series"] = static_cast<double>(w.head->Stats().num_series);
}
BENCHMARK(BM_HeadAppendScrapeLoop)
    ->ArgName("wal")
    ->Arg(0)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMicrosecond);

// Select 10k of the 1M series and read every sample in range.
void BM_HeadSelect(benchmark::State& state) {
  Workload& w = Get(0);
  std::vector<Matcher> ms = {Matcher::MustMake(Matcher::Type::kEqual, "__name__", "metric_7"),
                             Matcher::MustMake(Matcher::Type::kEqual, "job", "node")};
  size_t series = 0, samples = 0;
  for (auto _ : state) {
    auto q = w.head->NewQuerier(0, w.t).value();
    auto set = q->Select(state.range(0) != 0, nullptr, ms);
    series = samples = 0;
    while (set->Next()) {
      ++series;
      auto it = set->At()->Iterator();
      while (it->Next()) ++samples;
    }
  }
  state.counters["series"] = static_cast<double>(series);
  state.counters["samples"] = static_cast<double>(samples);
}
BENCHMARK(BM_HeadSelect)->ArgName("sorted")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// Memory per active series at 1M series: RSS growth and the head's own accounting, after
// creation (1 sample each) and after a quarter chunk (30 samples each).
void BM_HeadMemoryPerSeries(benchmark::State& state) {
  for (auto _ : state) {
    Workload w(0);
    const double n = kSeries;
    state.counters["rss_per_series_1sample"] = static_cast<double>(w.rss_after - w.rss_before) / n;
    state.counters["accounted_per_series_1sample"] = static_cast<double>(w.head->MemoryBytes()) / n;
    for (int r = 0; r < 29; ++r) w.Round();
    state.counters["rss_per_series_30samples"] = static_cast<double>(RssBytes() - w.rss_before) / n;
    state.counters["accounted_per_series_30samples"] =
        static_cast<double>(w.head->MemoryBytes()) / n;
    state.counters["postings_per_series"] =
        static_cast<double>(w.head->postings().MemoryBytes()) / n;
    state.counters["symbols_bytes"] = static_cast<double>(SymbolTable::Global().MemoryBytes());
  }
}
BENCHMARK(BM_HeadMemoryPerSeries)->Iterations(1)->Unit(benchmark::kMillisecond);

// Chunk bytes per sample: 10k series, 2h of 15s scrapes (4 full chunks each).
void BM_HeadBytesPerSample(benchmark::State& state) {
  for (auto _ : state) {
    HeadOptions o;
    auto head = Head::Open(o).value();
    const int n = 10'000;
    std::vector<storage::SeriesRef> refs(n, 0);
    {
      auto app = head->NewAppender();
      for (int i = 0; i < n; ++i) refs[i] = app->Append(0, SeriesLabels(i), 0, 0).ref;
      (void)app->Commit();
    }
    const size_t empty = head->MemoryBytes();
    for (int s = 1; s < 480; ++s) {
      auto app = head->NewAppender();
      const int64_t t = int64_t{s} * 15000 + (s * 7919) % 50;  // a little scrape jitter
      for (int i = 0; i < n; ++i) {
        (void)app->Append(refs[i], Labels(), t, std::floor(s * 15.0 * (1 + i % 7) / 3));
      }
      (void)app->Commit();
    }
    const size_t full = head->MemoryBytes();
    state.counters["bytes_per_sample"] =
        static_cast<double>(full - empty) / (static_cast<double>(n) * 479);
    state.counters["chunks"] = static_cast<double>(head->Stats().num_chunks);
  }
}
BENCHMARK(BM_HeadBytesPerSample)->Iterations(1)->Unit(benchmark::kMillisecond);

// Restart: replaying a WAL of 100k series x 120 samples (12M samples). Arg: replay worker
// threads (0: one per core); CPU time is the process's, all threads.
void BM_HeadReplay(benchmark::State& state) {
  char tmpl[] = "/tmp/tsdbd-head-replay-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  HeadOptions o;
  o.wal_dir = dir + "/wal";
  const int n = 100'000;
  {
    auto head = Head::Open(o).value();
    std::vector<storage::SeriesRef> refs(n, 0);
    for (int s = 0; s < 120; ++s) {
      for (int target = 0; target < n / kPerTarget; ++target) {
        auto app = head->NewAppender();
        for (int k = 0; k < kPerTarget; ++k) {
          const int i = target * kPerTarget + k;
          refs[i] = app->Append(refs[i], SeriesLabels(i), int64_t{s} * 15000, s * (1 + i % 7)).ref;
        }
        (void)app->Commit();
      }
    }
  }
  uint64_t samples = 0;
  o.replay_workers = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    auto head = Head::Open(o).value();
    samples = static_cast<uint64_t>(head->replay_stats().samples);
    state.PauseTiming();
    head.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * samples));
  state.counters["samples"] = static_cast<double>(samples);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_HeadReplay)
    ->ArgName("workers")
    ->Arg(1)
    ->Arg(0)
    ->Iterations(2)
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()
    ->UseRealTime();

}  // namespace
}  // namespace tsdbd::tsdb
