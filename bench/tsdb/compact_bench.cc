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

#include "lib/tsdb/block/block.h"
#include "lib/tsdb/block/block_writer.h"
#include "lib/tsdb/block/ulid.h"
#include "lib/tsdb/chunkenc/xor_chunk.h"
#include "lib/tsdb/compact/compactor.h"

namespace tsdbd::tsdb::compact {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kBlockMs = 2 * 60 * 60 * 1000;
constexpr int kSamplesPerSeries = 120;  // one 2h block at 60s

class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (fs::temp_directory_path() / "compact-bench-XXXXXX").string();
    path_ = mkdtemp(tmpl.data()) ? tmpl : "";
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

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

// RssAnon (heap) and RssFile (mapped files' pages) in bytes.
std::pair<uint64_t, uint64_t> RssParts() {
  std::ifstream in("/proc/self/status");
  std::string line;
  uint64_t anon = 0, file = 0;
  while (std::getline(in, line)) {
    if (line.rfind("RssAnon:", 0) == 0) anon = std::stoull(line.substr(8)) * 1024;
    if (line.rfind("RssFile:", 0) == 0) file = std::stoull(line.substr(8)) * 1024;
  }
  return {anon, file};
}

// Samples RssAnon and RssFile every 5 ms while it lives and keeps their maxima.
class RssSampler {
 public:
  RssSampler()
      : thread_([this] {
          while (!stop_.load()) {
            auto [anon, file] = RssParts();
            if (anon > max_anon_) max_anon_ = anon;
            if (file > max_file_) max_file_ = file;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
          }
        }) {}
  ~RssSampler() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  uint64_t max_anon() const { return max_anon_; }
  uint64_t max_file() const { return max_file_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> max_anon_{0}, max_file_{0};
  std::thread thread_;
};

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
  ScratchDir in, out;
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
