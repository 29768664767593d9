// Block chunk segments: writing them, and reading chunks at random refs as queries do,
// through ChunkReader (read-only mmap) against a pread-per-chunk baseline, from the page
// cache (warm) and after our segment files were dropped from it (cold: posix_fadvise
// DONTNEED on those files only).
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "lib/tsdb/block/chunk_reader.h"
#include "lib/tsdb/block/chunk_writer.h"
#include "lib/tsdb/crc32c.h"

namespace tsdbd::tsdb::block {
namespace {

class BenchDir {
 public:
  BenchDir() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "tsdbd-chunks-bench-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~BenchDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Chunks of 60-250 bytes, the size of 120-sample XOR chunks.
std::vector<std::vector<uint8_t>> MakeChunks(size_t n) {
  std::mt19937 rng(1);
  std::vector<std::vector<uint8_t>> out(n);
  for (auto& c : out) {
    c.resize(60 + rng() % 190);
    for (auto& b : c) b = static_cast<uint8_t>(rng());
  }
  return out;
}

// A chunks directory of ~`total_mb` MiB in 64 MiB segments, and the refs of its chunks.
struct Fixture {
  BenchDir dir;
  std::string chunks;
  std::vector<uint64_t> refs;
  explicit Fixture(size_t total_mb) : chunks(dir.path() + "/chunks") {
    auto data = MakeChunks(4096);
    auto w = ChunkWriter::Create(chunks, 64 << 20);
    for (size_t i = 0; (*w)->bytes_written() < (total_mb << 20); ++i) {
      refs.push_back(*(*w)->Write(1, data[i % data.size()]));
    }
    (void)(*w)->Close();
  }
  void DropCache() const {
    for (const auto& e : std::filesystem::directory_iterator(chunks)) {
      int fd = ::open(e.path().c_str(), O_RDONLY);
      ::fdatasync(fd);
      ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
      ::close(fd);
    }
  }
};

Fixture& Shared() {
  static Fixture f(256);
  return f;
}

void BM_ChunkWriterWrite(benchmark::State& state) {
  auto data = MakeChunks(4096);
  int64_t bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    BenchDir dir;
    state.ResumeTiming();
    auto w = ChunkWriter::Create(dir.path() + "/chunks");
    for (size_t i = 0; i < 100000; ++i) benchmark::DoNotOptimize((*w)->Write(1, data[i % 4096]));
    Status s = (*w)->Close();  // includes the fsyncs
    if (!s.ok()) state.SkipWithError(s.message().c_str());
    bytes += static_cast<int64_t>((*w)->bytes_written());
    state.PauseTiming();
    w->reset();
    state.ResumeTiming();
  }
  state.SetBytesProcessed(bytes);
  state.SetItemsProcessed(state.iterations() * 100000);
}
BENCHMARK(BM_ChunkWriterWrite)->Unit(benchmark::kMillisecond);

// What a pread-based reader would do per chunk: read a window holding the length, the
// encoding and (usually) all data and the CRC; read the rest if the chunk is longer.
class PreadReader {
 public:
  explicit PreadReader(const std::string& dir) {
    for (int i = 1;; ++i) {
      char name[16];
      std::snprintf(name, sizeof name, "/%06d", i);
      int fd = ::open((dir + name).c_str(), O_RDONLY);
      if (fd < 0) break;
      fds_.push_back(fd);
    }
  }
  ~PreadReader() {
    for (int fd : fds_) ::close(fd);
  }
  // Returns the data size, or 0 on error; the data is in buf[data_at..].
  size_t Chunk(uint64_t ref, std::vector<uint8_t>& buf, size_t& data_at) const {
    const int fd = fds_[ref >> 32];
    const off_t off = static_cast<off_t>(ref & 0xffffffff);
    buf.resize(512);
    ssize_t n = ::pread(fd, buf.data(), buf.size(), off);
    if (n <= 0) return 0;
    uint64_t len = 0;
    size_t p = 0;
    for (int shift = 0; p < static_cast<size_t>(n); shift += 7) {
      uint8_t b = buf[p++];
      len |= uint64_t{b & 0x7fu} << shift;
      if (b < 0x80) break;
    }
    const size_t need = p + 1 + len + 4;
    if (need > static_cast<size_t>(n)) {
      buf.resize(need);
      if (::pread(fd, buf.data() + n, need - n, off + n) != static_cast<ssize_t>(need - n)) {
        return 0;
      }
    }
    const uint8_t* crc = buf.data() + p + 1 + len;
    const uint32_t want =
        (uint32_t{crc[0]} << 24) | (uint32_t{crc[1]} << 16) | (uint32_t{crc[2]} << 8) | crc[3];
    if (Crc32c(buf.data() + p, 1 + len) != want) return 0;
    data_at = p + 1;
    return len;
  }

 private:
  std::vector<int> fds_;
};

// Arg 0: 1 = drop the segments from the page cache before each batch of 1000 reads.
void BM_ChunkReaderMmapRandom(benchmark::State& state) {
  Fixture& f = Shared();
  const bool cold = state.range(0) != 0;
  std::mt19937 rng(static_cast<unsigned>(state.thread_index()));
  auto r = ChunkReader::Open(f.chunks);
  uint64_t sum = 0;
  for (auto _ : state) {
    if (cold) {
      state.PauseTiming();
      r->reset();  // unmapped pages can be dropped
      f.DropCache();
      r = ChunkReader::Open(f.chunks);
      state.ResumeTiming();
    }
    for (int i = 0; i < 1000; ++i) {
      auto d = (*r)->Chunk(f.refs[rng() % f.refs.size()]);
      sum += (*d)[d->size() / 2];
    }
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_ChunkReaderMmapRandom)->Arg(0)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ChunkReaderMmapRandom)->Arg(0)->Threads(2)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ChunkReaderMmapRandom)->Arg(1)->Iterations(20)->Unit(benchmark::kMicrosecond);

void BM_PreadRandom(benchmark::State& state) {
  Fixture& f = Shared();
  const bool cold = state.range(0) != 0;
  std::mt19937 rng(static_cast<unsigned>(state.thread_index()));
  PreadReader r(f.chunks);
  std::vector<uint8_t> buf;
  uint64_t sum = 0;
  for (auto _ : state) {
    if (cold) {
      state.PauseTiming();
      f.DropCache();
      state.ResumeTiming();
    }
    for (int i = 0; i < 1000; ++i) {
      size_t at = 0;
      size_t n = r.Chunk(f.refs[rng() % f.refs.size()], buf, at);
      sum += buf[at + n / 2];
    }
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_PreadRandom)->Arg(0)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PreadRandom)->Arg(0)->Threads(2)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PreadRandom)->Arg(1)->Iterations(20)->Unit(benchmark::kMicrosecond);

// Opening a block's chunks: listing, opening and mapping its segments, checking headers.
void BM_ChunkReaderOpen(benchmark::State& state) {
  Fixture& f = Shared();
  for (auto _ : state) {
    auto r = ChunkReader::Open(f.chunks);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_ChunkReaderOpen)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tsdbd::tsdb::block
