// WAL throughput: samples records of 1000 samples logged with and without snappy, with an
// fdatasync per batch or none; reading them back; record codecs; CRC32C.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "lib/tsdb/crc32c.h"
#include "lib/tsdb/record/decoder.h"
#include "lib/tsdb/record/encoder.h"
#include "lib/tsdb/wal/reader.h"
#include "lib/tsdb/wal/segments.h"
#include "lib/tsdb/wal/wal.h"

namespace tsdbd::tsdb::wal {
namespace {

namespace rec = tsdbd::tsdb::record;

// One scrape's worth of samples: 1000 series, one timestamp, counter-like values.
std::vector<rec::RefSample> ScrapeSamples(int64_t t) {
  std::vector<rec::RefSample> s;
  for (uint64_t ref = 1; ref <= 1000; ++ref) {
    s.push_back({ref, t, std::floor(static_cast<double>(ref * 7919 % 100000) + t / 1000.0)});
  }
  return s;
}

std::string SamplesRecord(int64_t t) {
  std::string r;
  rec::EncodeSamples(ScrapeSamples(t), &r);
  return r;
}

class BenchDir {
 public:
  BenchDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "tsdbd-wal-bench-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~BenchDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Args: compress (0/1), fdatasync per batch (0/1). One Log call = one batch = one record.
void BM_WalLogSamples(benchmark::State& state) {
  const bool compress = state.range(0) != 0;
  const bool sync = state.range(1) != 0;
  BenchDir dir;
  WalOptions opts;
  opts.compress = compress;
  auto wal = Wal::Open(dir.path(), opts);
  if (!wal.ok()) {
    state.SkipWithError(wal.error().message().c_str());
    return;
  }
  std::vector<std::string> recs;
  for (int i = 0; i < 64; ++i) recs.push_back(SamplesRecord(1'700'000'000'000 + i * 15'000));
  size_t i = 0;
  int64_t bytes = 0;
  int last_truncated = 0;
  for (auto _ : state) {
    const std::string& r = recs[i++ % recs.size()];
    auto seq = (*wal)->Log({r});
    if (!seq.ok() || (sync && !(*wal)->WaitDurable(*seq).ok())) {
      state.SkipWithError("log failed");
      break;
    }
    bytes += static_cast<int64_t>(r.size());
    if ((*wal)->current_segment() > last_truncated + 1) {  // keep disk use bounded
      state.PauseTiming();
      last_truncated = (*wal)->current_segment();
      (void)(*wal)->Truncate(last_truncated);
      state.ResumeTiming();
    }
  }
  state.SetBytesProcessed(bytes);
  state.counters["records/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["samples/s"] = benchmark::Counter(static_cast<double>(state.iterations()) * 1000,
                                                   benchmark::Counter::kIsRate);
  state.counters["record_bytes"] = static_cast<double>(recs[0].size());
}
BENCHMARK(BM_WalLogSamples)
    ->ArgNames({"snappy", "sync"})
    ->Args({0, 0})
    ->Args({1, 0})
    ->Args({0, 1})
    ->Args({1, 1})
    ->UseRealTime();

// Reads back 2000 records (2M samples), decompressing as needed.
void BM_WalReadSamples(benchmark::State& state) {
  const bool compress = state.range(0) != 0;
  BenchDir dir;
  WalOptions opts;
  opts.compress = compress;
  int64_t bytes_per_pass = 0;
  {
    auto wal = Wal::Open(dir.path(), opts);
    for (int i = 0; i < 2000; ++i) {
      std::string r = SamplesRecord(1'700'000'000'000 + i * 15'000);
      bytes_per_pass += static_cast<int64_t>(r.size());
      (void)(*wal)->Log({r});
    }
  }
  std::vector<rec::RefSample> samples;
  for (auto _ : state) {
    Reader reader(*ListSegments(dir.path()));
    while (reader.Next()) {
      samples.clear();
      (void)rec::DecodeSamples(reader.record(), &samples);
      benchmark::DoNotOptimize(samples.data());
    }
  }
  state.SetBytesProcessed(state.iterations() * bytes_per_pass);
  state.counters["samples/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * 2000 * 1000, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_WalReadSamples)->ArgNames({"snappy"})->Arg(0)->Arg(1)->UseRealTime();

void BM_EncodeSamples1000(benchmark::State& state) {
  auto samples = ScrapeSamples(1'700'000'000'000);
  std::string out;
  for (auto _ : state) {
    out.clear();
    rec::EncodeSamples(samples, &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_EncodeSamples1000);

void BM_DecodeSamples1000(benchmark::State& state) {
  std::string r = SamplesRecord(1'700'000'000'000);
  std::vector<rec::RefSample> out;
  for (auto _ : state) {
    out.clear();
    (void)rec::DecodeSamples(r, &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_DecodeSamples1000);

// Arg: 1 = the dispatching entry point (SSE4.2 when present), 0 = the table code.
void BM_Crc32c(benchmark::State& state) {
  std::string buf(32 * 1024, 'x');
  for (size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<char>(i * 131);
  for (auto _ : state) {
    uint32_t c = state.range(0) ? Crc32c(buf) : Crc32cExtendPortable(0, buf.data(), buf.size());
    benchmark::DoNotOptimize(c);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(buf.size()));
  state.SetLabel(state.range(0) && Crc32cHardwareAccelerated() ? "sse4.2" : "table");
}
BENCHMARK(BM_Crc32c)->Arg(0)->Arg(1);

}  // namespace
}  // namespace tsdbd::tsdb::wal
