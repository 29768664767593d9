// XOR chunk encode and decode rates, 120 samples per chunk (Prometheus's target size).
// Items/s in the output are samples/s.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "lib/tsdb/chunkenc/xor_chunk.h"
#include "lib/tsdb/chunkenc/xor_iterator.h"

namespace tsdbd::tsdb::chunkenc {
namespace {

constexpr int kSamplesPerChunk = 120;
constexpr int kChunks = 256;  // distinct chunks so one series' branch pattern isn't learnt

struct Series {
  std::vector<int64_t> t;
  std::vector<double> v;
};

// A counter scraped every 15 s with a few ms of jitter, growing by small integers.
std::vector<Series> Counters() {
  std::mt19937_64 rng(1);
  std::vector<Series> out(kChunks);
  for (auto& s : out) {
    int64_t t = 1'700'000'000'000 + static_cast<int64_t>(rng() % 15000);
    double c = static_cast<double>(rng() % 1'000'000);
    for (int i = 0; i < kSamplesPerChunk; ++i) {
      s.t.push_back(t);
      s.v.push_back(c);
      t += 15000 + (rng() % 4 == 0 ? static_cast<int64_t>(rng() % 5) - 2 : 0);
      c += static_cast<double>(rng() % 20);
    }
  }
  return out;
}

// A gauge doing a Gaussian random walk, scraped every 15 s exactly.
std::vector<Series> RandomWalks() {
  std::mt19937_64 rng(2);
  std::normal_distribution<double> step(0, 1);
  std::vector<Series> out(kChunks);
  for (auto& s : out) {
    int64_t t = 1'700'000'000'000;
    double g = 100;
    for (int i = 0; i < kSamplesPerChunk; ++i) {
      s.t.push_back(t);
      s.v.push_back(g);
      t += 15000;
      g += step(rng);
    }
  }
  return out;
}

void Encode(benchmark::State& state, const std::vector<Series>& data) {
  size_t i = 0;
  size_t bytes = 0;
  for (auto _ : state) {
    const Series& s = data[i++ % data.size()];
    XorChunk c;
    for (int k = 0; k < kSamplesPerChunk; ++k) {
      benchmark::DoNotOptimize(c.Append(s.t[static_cast<size_t>(k)], s.v[static_cast<size_t>(k)]));
    }
    bytes += c.Bytes().size();
    benchmark::DoNotOptimize(c.Bytes().data());
  }
  state.SetItemsProcessed(state.iterations() * kSamplesPerChunk);
  state.counters["bytes/sample"] =
      static_cast<double>(bytes) / static_cast<double>(state.iterations() * kSamplesPerChunk);
}

void Decode(benchmark::State& state, const std::vector<Series>& data) {
  std::vector<XorChunk> chunks;
  for (const Series& s : data) {
    XorChunk c;
    for (int k = 0; k < kSamplesPerChunk; ++k) {
      (void)c.Append(s.t[static_cast<size_t>(k)], s.v[static_cast<size_t>(k)]);
    }
    chunks.push_back(std::move(c));
  }
  size_t i = 0;
  for (auto _ : state) {
    XorIterator it = chunks[i++ % chunks.size()].Iterator();
    int64_t tsum = 0;
    double vsum = 0;
    while (it.Next()) {
      tsum += it.t();
      vsum += it.v();
    }
    benchmark::DoNotOptimize(tsum);
    benchmark::DoNotOptimize(vsum);
  }
  state.SetItemsProcessed(state.iterations() * kSamplesPerChunk);
}

void BM_XorEncodeCounter(benchmark::State& state) {
  static const std::vector<Series> data = Counters();
  Encode(state, data);
}
void BM_XorEncodeRandomWalk(benchmark::State& state) {
  static const std::vector<Series> data = RandomWalks();
  Encode(state, data);
}
void BM_XorDecodeCounter(benchmark::State& state) {
  static const std::vector<Series> data = Counters();
  Decode(state, data);
}
void BM_XorDecodeRandomWalk(benchmark::State& state) {
  static const std::vector<Series> data = RandomWalks();
  Decode(state, data);
}

// Seek to the middle of a chunk, as a range query's first step does.
void BM_XorSeekMiddle(benchmark::State& state) {
  static const std::vector<Series> data = Counters();
  std::vector<XorChunk> chunks;
  for (const Series& s : data) {
    XorChunk c;
    for (int k = 0; k < kSamplesPerChunk; ++k) {
      (void)c.Append(s.t[static_cast<size_t>(k)], s.v[static_cast<size_t>(k)]);
    }
    chunks.push_back(std::move(c));
  }
  size_t i = 0;
  for (auto _ : state) {
    const size_t n = i++ % chunks.size();
    XorIterator it = chunks[n].Iterator();
    benchmark::DoNotOptimize(it.Seek(data[n].t[kSamplesPerChunk / 2]));
  }
  state.SetItemsProcessed(state.iterations() * (kSamplesPerChunk / 2));
}

BENCHMARK(BM_XorEncodeCounter);
BENCHMARK(BM_XorEncodeRandomWalk);
BENCHMARK(BM_XorDecodeCounter);
BENCHMARK(BM_XorDecodeRandomWalk);
BENCHMARK(BM_XorSeekMiddle);

}  // namespace
}  // namespace tsdbd::tsdb::chunkenc
