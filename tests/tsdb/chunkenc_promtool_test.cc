// Byte compatibility with Prometheus 2.42 itself: promtool writes blocks from an
// OpenMetrics file; every XOR chunk in them must decode to the input samples, and
// re-encoding those samples must give the very same bytes. Skipped when promtool is absent.
#include <gtest/gtest.h>

#include <bit>
#include <cfloat>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "lib/tsdb/chunkenc/encoding.h"
#include "lib/tsdb/chunkenc/xor_chunk.h"
#include "lib/tsdb/chunkenc/xor_iterator.h"
#include "tests/testing/process.h"
#include "tests/tsdb/chunkenc_test_util.h"

namespace tsdbd::tsdb::chunkenc {
namespace {

namespace fs = std::filesystem;
using testutil::Decode;
using testutil::Encode;
using testutil::Hex;
using testutil::Sample;

constexpr uint64_t kGoNaN = 0x7ff8000000000001ull;  // what Go's float parser gives for NaN

// CRC-32C (Castagnoli), bit by bit: small and obviously right, for checking segment files.
uint32_t Crc32c(std::span<const uint8_t> data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (uint8_t b : data) {
    crc ^= b;
    for (int i = 0; i < 8; ++i) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
  }
  return ~crc;
}

TEST(ChunkencCrcTest, KnownVector) {
  const std::string s = "123456789";
  EXPECT_EQ(Crc32c({reinterpret_cast<const uint8_t*>(s.data()), s.size()}), 0xE3069283u);
}

std::string FormatValue(uint64_t bits) {
  const double v = std::bit_cast<double>(bits);
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// OpenMetrics timestamps are seconds; promtool turns them into milliseconds through a
// float multiply, so write each one 0.4 ms past the intended millisecond: that lands on
// it whether the conversion truncates or rounds.
std::string FormatTimestamp(int64_t ms) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%lld.%03lld4", static_cast<long long>(ms / 1000),
                static_cast<long long>(ms % 1000));
  return buf;
}

// The series to write: each is a list of samples with strictly increasing timestamps.
std::vector<std::vector<Sample>> MakeSeries() {
  std::vector<std::vector<Sample>> all;
  std::mt19937_64 rng(2024);
  const int64_t t0 = 1'700'000'000'000;  // 2h-aligned blocks start before this

  // Counters scraped every 15 s with jitter.
  for (int s = 0; s < 8; ++s) {
    std::vector<Sample> v;
    int64_t t = t0 + s * 1000;
    double c = static_cast<double>(rng() % 100000);
    for (int i = 0; i < 600; ++i) {
      v.push_back(Sample::Of(t, c));
      t += 15000 + static_cast<int64_t>(rng() % 41) - 20;
      c += static_cast<double>(rng() % 50) + (s % 2 ? 0.25 : 0);
    }
    all.push_back(v);
  }
  // Random-walk gauges.
  for (int s = 0; s < 8; ++s) {
    std::vector<Sample> v;
    std::normal_distribution<double> step(0, 1 + s);
    double g = 50;
    for (int i = 0; i < 600; ++i) {
      v.push_back(Sample::Of(t0 + i * 10000, g));
      g += step(rng);
    }
    all.push_back(v);
  }
  // Random finite bit patterns: every XOR width, reuse and not.
  for (int s = 0; s < 8; ++s) {
    std::vector<Sample> v;
    uint64_t bits = 0x4000000000000000ull;
    for (int i = 0; i < 600; ++i) {
      uint64_t next;
      do {
        switch (rng() % 3) {
          case 0:
            next = rng();
            break;
          case 1:
            next = bits ^ ((rng() & 0xFFFFFF) << (rng() % 40));
            break;
          default:
            next = bits ^ (1ull << (rng() % 52));
        }
      } while (!std::isfinite(std::bit_cast<double>(next)));
      bits = next;
      v.push_back({t0 + i * 7000 + static_cast<int64_t>(rng() % 3000), bits});
    }
    all.push_back(v);
  }
  // Hostile values, each after each.
  {
    const double vals[] = {0.0,      -0.0,    NAN,          INFINITY, -INFINITY, DBL_MAX,
                           -DBL_MAX, DBL_MIN, DBL_TRUE_MIN, 1e-310,   0.1,       1.0,
                           1.0,      -1.0,    1e300,        42};
    std::vector<Sample> v;
    int64_t t = t0;
    for (double a : vals) {
      for (double b : vals) {
        v.push_back(Sample::Of(t += 5000, a));
        v.push_back(Sample::Of(t += 5000, b));
      }
    }
    all.push_back(v);
  }
  // Delta-of-delta on and around every bucket edge.
  {
    const int64_t dods[] = {0,      1,      -1,      8191,    8192,    8193,    -8191,
                            -8192,  65535,  65536,   65537,   -65535,  -65536,  524287,
                            524288, 524289, -524287, -524288, 3600000, -3600000};
    std::vector<Sample> v = {Sample::Of(t0, 1), Sample::Of(t0 + 4'000'000, 2)};
    const int64_t base = 4'000'000;
    for (int rep = 0; rep < 3; ++rep) {
      for (int64_t d : dods) {
        v.push_back(Sample::Of(v.back().t + base + d, static_cast<double>(v.size())));
        v.push_back(Sample::Of(v.back().t + base, static_cast<double>(v.size())));
      }
    }
    all.push_back(v);
  }
  // A single-sample series and a two-sample one.
  all.push_back({Sample::Of(t0 + 123, 7)});
  all.push_back({Sample::Of(t0 + 456, 7), Sample::Of(t0 + 1456, 8)});
  return all;
}

std::vector<uint8_t> ReadBytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct SegmentChunk {
  Encoding encoding;
  std::vector<uint8_t> data;
};

// Parses a block's chunk segment file (tsdb/docs/format/chunks.md); fails the test on any
// deviation from the format.
std::vector<SegmentChunk> ParseSegment(const std::vector<uint8_t>& f) {
  std::vector<SegmentChunk> out;
  EXPECT_GE(f.size(), 8u);
  if (f.size() < 8) return out;
  EXPECT_EQ(Hex({f.data(), 4}), "85bd40dd");  // magic
  EXPECT_EQ(f[4], 1);                         // version
  EXPECT_EQ(Hex({f.data() + 5, 3}), "000000");
  size_t pos = 8;
  while (pos < f.size()) {
    uint64_t len = 0;
    int shift = 0;
    while (pos < f.size()) {
      const uint8_t b = f[pos++];
      len |= static_cast<uint64_t>(b & 0x7f) << shift;
      shift += 7;
      if (b < 0x80) break;
    }
    if (pos + 1 + len + 4 > f.size()) {
      ADD_FAILURE() << "chunk at " << pos << " runs past the file end";
      break;
    }
    const std::span<const uint8_t> enc_and_data(f.data() + pos, 1 + len);
    const uint8_t* crc = f.data() + pos + 1 + len;
    const uint32_t stored =
        (uint32_t{crc[0]} << 24) | (uint32_t{crc[1]} << 16) | (uint32_t{crc[2]} << 8) | crc[3];
    EXPECT_EQ(Crc32c(enc_and_data), stored) << "chunk at " << pos;
    out.push_back({static_cast<Encoding>(f[pos]),
                   std::vector<uint8_t>(f.begin() + static_cast<ptrdiff_t>(pos + 1),
                                        f.begin() + static_cast<ptrdiff_t>(pos + 1 + len))});
    pos += 1 + len + 4;
  }
  return out;
}

// Where a chunk's first sample sits in the input: (series, index) candidates.
using Position = std::pair<size_t, size_t>;

TEST(PromtoolCompatTest, PrometheusChunksDecodeAndReencodeIdentically) {
  if (!::tsdbd::testing::HaveProgram("promtool")) GTEST_SKIP() << "promtool not found";
  ::tsdbd::testing::TempDir tmp;
  const fs::path dir = tmp.path();

  // promtool's parser turns NaN text into Go's math.NaN(); expect that.
  std::vector<std::vector<Sample>> series = MakeSeries();
  for (auto& s : series) {
    for (Sample& x : s) {
      if (std::isnan(x.v())) x.v_bits = kGoNaN;
    }
  }
  {
    std::ofstream om(dir / "input.om");
    for (size_t i = 0; i < series.size(); ++i) {
      om << "# TYPE series_" << i << " gauge\n";
      for (const Sample& x : series[i]) {
        om << "series_" << i << "{i=\"" << i << "\"} " << FormatValue(x.v_bits) << ' '
           << FormatTimestamp(x.t) << '\n';
      }
    }
    om << "# EOF\n";
  }
  const ::tsdbd::testing::RunResult run =
      ::tsdbd::testing::Run({"promtool", "tsdb", "create-blocks-from", "openmetrics",
                             (dir / "input.om").string(), (dir / "data").string()},
                            std::chrono::seconds(120));
  ASSERT_EQ(run.exit_code, 0) << run.output;

  // Index every sample by (t, bits) -> positions, to place each chunk.
  std::map<std::pair<int64_t, uint64_t>, std::vector<Position>> where;
  size_t total = 0;
  for (size_t s = 0; s < series.size(); ++s) {
    for (size_t i = 0; i < series[s].size(); ++i) {
      where[{series[s][i].t, series[s][i].v_bits}].push_back({s, i});
      ++total;
    }
  }
  std::vector<std::vector<bool>> seen(series.size());
  for (size_t s = 0; s < series.size(); ++s) seen[s].assign(series[s].size(), false);

  size_t chunks = 0, decoded = 0, with_tail_byte = 0;
  for (const auto& block : fs::directory_iterator(dir / "data")) {
    if (!fs::is_directory(block.path() / "chunks")) continue;
    for (const auto& seg : fs::directory_iterator(block.path() / "chunks")) {
      for (const SegmentChunk& c : ParseSegment(ReadBytes(seg.path()))) {
        ++chunks;
        ASSERT_EQ(c.encoding, Encoding::kXor);
        XorIterator it(c.data);
        const std::vector<Sample> got = Decode(it);
        ASSERT_TRUE(it.Err().ok()) << it.Err().message();
        ASSERT_FALSE(got.empty());
        ASSERT_EQ(got.size(), it.num_samples());

        // The samples are a run of one input series, not seen before.
        bool placed = false;
        for (const Position& p : where[{got[0].t, got[0].v_bits}]) {
          const auto& s = series[p.first];
          if (p.second + got.size() > s.size()) continue;
          if (!std::equal(got.begin(), got.end(), s.begin() + static_cast<ptrdiff_t>(p.second)))
            continue;
          for (size_t k = 0; k < got.size(); ++k) {
            ASSERT_FALSE(seen[p.first][p.second + k]) << "sample in two chunks";
            seen[p.first][p.second + k] = true;
          }
          placed = true;
          break;
        }
        ASSERT_TRUE(placed) << "chunk " << chunks << " matches no input run; first " << got[0];
        decoded += got.size();

        // Re-encoding gives Prometheus's bytes exactly.
        const XorChunk mine = Encode(got);
        ASSERT_EQ(Hex(mine.Bytes()), Hex(c.data))
            << "chunk " << chunks << " of " << got.size() << " samples";
        XorIterator end(c.data);
        while (end.Next()) {
        }
        if (c.data.size() > (end.bit_position() + 7) / 8) ++with_tail_byte;
      }
    }
  }
  EXPECT_EQ(decoded, total);
  EXPECT_GT(chunks, 100u);
  // Prometheus's extra trailing byte showed up and was reproduced (single-sample chunk at
  // least; more come from aligned whole-byte XORs).
  EXPECT_GT(with_tail_byte, 1u);
  std::printf("promtool compat: %zu chunks, %zu samples, %zu with the trailing empty byte\n",
              chunks, decoded, with_tail_byte);
}

}  // namespace
}  // namespace tsdbd::tsdb::chunkenc
