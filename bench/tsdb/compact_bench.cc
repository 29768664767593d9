// Block compaction: merging three adjacent 2h blocks (leveled) or two overlapping ones
// (vertical) of N series, 120 samples per series and block. Reports series/s, samples/s
// (wall time: the output is fsync'd) and the RSS before the compaction and its peak during
// it (VmHWM reset before it; it counts the pages of the input blocks' mappings that were
// read as well as the heap).
//
//   compact_bench --benchmark_filter=Leveled/100000
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/tsdb/bench_process.h"
#include "lib/tsdb/block/block.h"
#include "lib/tsdb/block/block_writer.h"
#include "lib/tsdb/block/ulid.h"
#include "lib/tsdb/chunkenc/xor_chunk.h"
#include "lib/tsdb/compact/compactor.h"

namespace tsdbd::tsdb::compact {
namespace {

namespace fs = std::filesystem;
using bench::RssParts;
using bench::RssSampler;
using bench::ScratchDir;

constexpr int64_t kBlockMs = 2 * 60 * 60 * 1000;
constexpr int kSamplesPerSeries = 120;  // one 2h block at 60s


// VmHWM in bytes, after optionally resetting it.
uint64_t PeakRss() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}
void ResetPeakRss() {
  std::ofstream("/proc/self/clear_refs") << "5";
}


// Writes a block of `n` series over [mint, mint + kBlockMs), samples every step_ms starting
// at mint + offset_ms, values a slow counter per series.
block::BlockPtr WriteInput(const std::string& dir, int n, int64_t mint, int64_t offset_ms,
                           int64_t step_ms, double value_shift) {
  std::vector<block::ChunkSeries> series(n);
  auto owned = std::make_shared<std::vector<std::vector<uint8_t>>>(n);
  for (int i = 0; i < n; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "%08d", i);
    char host[32];
    std::snprintf(host, sizeof host, "host-%05d", i / 100);
    series[i].labels = Labels{{"__name__", "bench_metric"}, {"instance", host}, {"series", name}};
    chunkenc::XorChunk c;
    int64_t t = mint + offset_ms;
    for (int k = 0; k < kSamplesPerSeries; ++k, t += step_ms) {
      (void)c.Append(t, value_shift + i + k * 0.5);
    }
    (*owned)[i].assign(c.Bytes().begin(), c.Bytes().end());
    series[i].chunks.push_back({mint + offset_ms, t - step_ms, (*owned)[i]});
  }
  block::BlockMeta meta;
  meta.ulid = block::NewUlid(mint);
  meta.min_time = mint;
  meta.max_time = mint + kBlockMs;
  meta.compaction.sources = {meta.ulid};
  auto w = block::WriteBlock(dir, series, meta);
  if (!w.ok()) return nullptr;
  auto b = block::Block::Open(dir + "/" + meta.ulid);
  return b.ok() ? *b : nullptr;
}

void Run(benchmark::State& state, bool overlapping) {
  const int n = static_cast<int>(state.range(0));
  ScratchDir in("compact-bench"), out("compact-bench");
  std::vector<block::BlockPtr> blocks;
  if (overlapping) {
    // Two blocks over the same 2h, interleaved 30 s apart: every chunk is re-encoded.
    blocks.push_back(WriteInput(in.path(), n, 0, 0, 60000, 0));
    blocks.push_back(WriteInput(in.path(), n, 0, 30000, 60000, 0.25));
  } else {
    for (int b = 0; b < 3; ++b)
      blocks.push_back(WriteInput(in.path(), n, b * kBlockMs, 0, 60000, b));
  }
  for (const auto& b : blocks) {
    if (!b) {
      state.SkipWithError("writing the input blocks failed");
      return;
    }
  }
  const double samples = static_cast<double>(blocks.size()) * n * kSamplesPerSeries;
  uint64_t peak = 0, base = 0, base_anon = 0, peak_anon = 0, peak_file = 0;
  double seconds = 0;
  for (auto _ : state) {
    malloc_trim(0);  // return the heap freed after writing the inputs: measure only ours
    ResetPeakRss();
    base = PeakRss();  // after a reset, the current RSS
    base_anon = RssParts().first;
    RssSampler sampler;
    const auto start = std::chrono::steady_clock::now();
    auto r = CompactBlocks(out.path(), blocks, 1700000000000);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    peak = std::max(peak, PeakRss());
    sampler.Stop();
    peak_anon = std::max(peak_anon, sampler.max_anon());
    peak_file = std::max(peak_file, sampler.max_file());
    if (!r.ok() || !r->has_value()) {
      state.SkipWithError(r.ok() ? "nothing written" : r.error().message().c_str());
      return;
    }
    state.PauseTiming();
    fs::remove_all(out.path() + "/" + (*r)->ulid);
    state.ResumeTiming();
  }
  // Rates by wall time (Google Benchmark's kIsRate divides by CPU time).
  state.counters["series/s"] = static_cast<double>(n) * state.iterations() / seconds;
  state.counters["samples/s"] = samples * state.iterations() / seconds;
  state.counters["anon_before_MiB"] = static_cast<double>(base_anon) / (1 << 20);
  state.counters["anon_peak_MiB"] = static_cast<double>(peak_anon) / (1 << 20);
  state.counters["file_peak_MiB"] = static_cast<double>(peak_file) / (1 << 20);
  state.counters["rss_before_MiB"] = static_cast<double>(base) / (1 << 20);
  state.counters["peak_rss_MiB"] = static_cast<double>(peak) / (1 << 20);
}

void BM_CompactLeveled(benchmark::State& state) {
  Run(state, false);
}
void BM_CompactVertical(benchmark::State& state) {
  Run(state, true);
}

BENCHMARK(BM_CompactLeveled)
    ->Arg(100000)
    ->Arg(1000000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseRealTime();
BENCHMARK(BM_CompactVertical)
    ->Arg(100000)
    ->Arg(1000000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseRealTime();

}  // namespace
}  // namespace tsdbd::tsdb::compact
