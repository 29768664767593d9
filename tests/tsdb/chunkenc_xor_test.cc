// XOR chunks: exact bytes, round trips of hostile values and timestamps, seek, resume.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "lib/tsdb/chunkenc/xor_chunk.h"
#include "lib/tsdb/chunkenc/xor_iterator.h"
#include "tests/tsdb/chunkenc_test_util.h"

namespace tsdbd::tsdb::chunkenc {
namespace {

using testutil::Decode;
using testutil::Encode;
using testutil::FromHex;
using testutil::Hex;
using testutil::Sample;

constexpr uint64_t kStaleNaN = 0x7ff0000000000002ull;
constexpr uint64_t kGoNaN = 0x7ff8000000000001ull;  // Go's math.NaN(), what parsers produce
constexpr double kInf = std::numeric_limits<double>::infinity();

void ExpectRoundTrip(const std::vector<Sample>& in) {
  const XorChunk c = Encode(in);
  ASSERT_EQ(c.NumSamples(), in.size());
  XorIterator it = c.Iterator();
  const std::vector<Sample> out = Decode(it);
  ASSERT_EQ(out, in);
  // Decoding the bytes on their own (as read from disk) gives the same.
  const std::vector<uint8_t> copy(c.Bytes().begin(), c.Bytes().end());
  ASSERT_EQ(Decode(copy), in);
  XorIterator again(copy);
  while (again.Next()) {
  }
  EXPECT_TRUE(again.Err().ok()) << again.Err().message();
}

TEST(XorChunkTest, EmptyChunk) {
  XorChunk c;
  EXPECT_EQ(Hex(c.Bytes()), "0000");
  EXPECT_EQ(c.NumSamples(), 0);
  XorIterator it = c.Iterator();
  EXPECT_FALSE(it.Next());
  EXPECT_TRUE(it.Err().ok());
  EXPECT_FALSE(it.Seek(0));
}

// Derived by hand from tsdb/docs/format/chunks.md:
//   (1000, 1.0) (1015, 2.0) (1030, 3.0) (1046, 3.0)
// header          00 04
// s0 t varint     zigzag(1000) = 2000 = 0b1111_1010000 -> d0 0f
// s0 v            1.0 = 3ff0000000000000
// s1 t uvarint    15 -> 0f
// s1 v xor        1.0^2.0 = 7ff0000000000000: leading 1, trailing 52, 11 significant bits
//                 '11' 00001 001011 11111111111                 -> c2 5f ff
// s2 dod          15-15 = 0                                      '0'
// s2 v xor        2.0^3.0 = 0008000000000000: leading 12, trailing 51; trailing < 52 so new
//                 widths: '11' 01100 000001 1
// s3 dod          16-15 = 1: '10' 00000000000001
// s3 v            unchanged: '0'
// bits after c2 5f ff: 0 11 01100 000001 1 | 10 00000000000001 | 0
//                    = 01101100 00000111 00000000 00000010      -> 6c 07 00 02
// The last field is one bit, so no trailing empty byte.
TEST(XorChunkTest, GoldenBytesDerivedByHand) {
  const std::vector<Sample> in = {Sample::Of(1000, 1.0), Sample::Of(1015, 2.0),
                                  Sample::Of(1030, 3.0), Sample::Of(1046, 3.0)};
  const XorChunk c = Encode(in);
  EXPECT_EQ(Hex(c.Bytes()), "0004d00f3ff00000000000000fc25fff6c070002");
  EXPECT_EQ(Decode(c.Bytes()), in);
}

// Chunks written by Prometheus 2.42 (promtool tsdb create-blocks-from openmetrics), copied
// from the block's chunks/000001 segment; their CRC32-C matched.
TEST(XorChunkTest, GoldenBytesFromPrometheus) {
  {
    // m 1 1 / m 2 1.015 / m 3 1.03 / m 3 1.046 (OpenMetrics seconds; 1.015 s parses as 1014 ms)
    const std::vector<Sample> in = {Sample::Of(1000, 1), Sample::Of(1014, 2), Sample::Of(1030, 3),
                                    Sample::Of(1046, 3)};
    EXPECT_EQ(Hex(Encode(in).Bytes()), "0004d00f3ff00000000000000ec25fff8002d80c");
  }
  {
    // 1 2.5 2.5 -0 NaN +Inf at 1000, 1015, 1030, 1046, 1100, 1200 s.
    const std::vector<Sample> in = {Sample::Of(1000000, 1.0), Sample::Of(1015000, 2.5),
                                    Sample::Of(1030000, 2.5), Sample::Of(1046000, -0.0),
                                    {1100000, kGoNaN},        Sample::Of(1200000, kInf)};
    const std::vector<uint8_t> prom = FromHex(
        "000680897a3ff00000000000009875c26fff483e8c076003928e1800fff8000000000001cb3b0800"
        "20000000000004");
    EXPECT_EQ(Hex(Encode(in).Bytes()), Hex(prom));
    EXPECT_EQ(Decode(prom), in);
  }
}

// Prometheus's writer leaves an empty byte after a whole-byte write that ends on a byte
// boundary; e.g. every one-sample chunk ends with one.
TEST(XorChunkTest, TrailingEmptyByteAfterFirstSample) {
  XorChunk c;
  ASSERT_TRUE(c.Append(1000, 1.0));
  EXPECT_EQ(Hex(c.Bytes()), "0001d00f3ff000000000000000");
  // The next sample writes into that byte: uvarint 15, then xor 1.0^2.0 (11 bits).
  ASSERT_TRUE(c.Append(1015, 2.0));
  EXPECT_EQ(Hex(c.Bytes()), "0002d00f3ff00000000000000fc25fff");
}

// By hand: (0, 0) (1, 0) (2, 0b101 << 40) (3, that ^ (0xff << 50)).
// bits after header, s0 (00 + 8 zero bytes) and s1's delta (01), from bit 96:
//   s1 value '0' | s2 dod '0', '11' 10101 000011 101 | s3 dod '0', '11' 00110 001000 11111111
//   = 00111010 10000111 01011001 10001000 11111111          -> 3a 87 59 88 ff
// s3's 8 significant bits start on a byte boundary (bit 128): one empty byte follows.
TEST(XorChunkTest, TrailingEmptyByteAfterAlignedWholeByteXor) {
  XorChunk c;
  const uint64_t v2 = 0b101ull << 40;
  ASSERT_TRUE(c.AppendBits(0, 0));
  ASSERT_TRUE(c.AppendBits(1, 0));
  ASSERT_TRUE(c.AppendBits(2, v2));
  ASSERT_TRUE(c.AppendBits(3, v2 ^ (0xffull << 50)));
  EXPECT_EQ(Hex(c.Bytes()), "0004000000000000000000013a875988ff00");
  ASSERT_TRUE(c.AppendBits(4, v2 ^ (0xffull << 50)));  // '0' '0' go into that byte
  EXPECT_EQ(Hex(c.Bytes()), "0005000000000000000000013a875988ff00");
  EXPECT_EQ(Decode(c.Bytes()).size(), 5u);
}

// Random chunks: Bytes() is the data rounded up to a byte, plus at most one zero byte and
// only when the data ends on a byte boundary. Both shapes occur.
TEST(XorChunkTest, TrailingEmptyByteOnlyWhenAligned) {
  std::mt19937_64 rng(7);
  int with_tail = 0;
  int without_tail = 0;
  for (int round = 0; round < 2000; ++round) {
    XorChunk c;
    uint64_t bits = 0x4000000000000000ull;
    const int n = 1 + static_cast<int>(rng() % 6);
    for (int i = 0; i < n; ++i) {
      bits ^= (rng() & 0xFF) << (rng() % 40);
      ASSERT_TRUE(c.AppendBits(i * 15000 + static_cast<int64_t>(rng() % 3), bits));
    }
    XorIterator it = c.Iterator();
    while (it.Next()) {
    }
    ASSERT_TRUE(it.Err().ok());
    const size_t data_len = static_cast<size_t>((it.bit_position() + 7) / 8);
    const size_t len = c.Bytes().size();
    ASSERT_TRUE(len == data_len || len == data_len + 1);
    if (len == data_len + 1) {
      ++with_tail;
      EXPECT_EQ(c.Bytes().back(), 0);
      EXPECT_EQ(it.bit_position() % 8, 0u);
    } else if (n > 1) {
      ++without_tail;
    }
  }
  EXPECT_GT(with_tail, 0);
  EXPECT_GT(without_tail, 0);
}

TEST(XorChunkTest, HostileValuesRoundTripBitForBit) {
  const std::vector<uint64_t> values = {
      kStaleNaN,
      kGoNaN,
      0x7ff8000000000000ull,  // quiet NaN
      0xfff8000000000000ull,  // negative quiet NaN
      0x7ff0000000000001ull,  // signalling NaN, smallest payload
      0x7fffffffffffffffull,  // NaN, all payload bits
      0xffffffffffffffffull,
      std::bit_cast<uint64_t>(kInf),
      std::bit_cast<uint64_t>(-kInf),
      std::bit_cast<uint64_t>(0.0),
      std::bit_cast<uint64_t>(-0.0),
      std::bit_cast<uint64_t>(DBL_MAX),
      std::bit_cast<uint64_t>(-DBL_MAX),
      std::bit_cast<uint64_t>(DBL_MIN),
      std::bit_cast<uint64_t>(DBL_TRUE_MIN),
      std::bit_cast<uint64_t>(-DBL_TRUE_MIN),
      0x000fffffffffffffull,  // largest subnormal
      std::bit_cast<uint64_t>(1.0),
      std::bit_cast<uint64_t>(1.0),
      std::bit_cast<uint64_t>(-1.0),
      1,
      0x8000000000000000ull,
      kStaleNaN,
      kStaleNaN,
      std::bit_cast<uint64_t>(0.1),
      std::bit_cast<uint64_t>(1e300),
      std::bit_cast<uint64_t>(-1e-300),
  };
  // Every ordered pair, so each value follows each other (all XOR widths, reuse or not).
  std::vector<Sample> in;
  int64_t t = 1'700'000'000'000;
  for (uint64_t a : values) {
    for (uint64_t b : values) {
      in.push_back({t += 15000, a});
      in.push_back({t += 15000, b});
    }
  }
  ASSERT_LE(in.size(), XorChunk::kMaxSamples);
  ExpectRoundTrip(in);
  // And each value as the first, second and third sample of a small chunk.
  for (uint64_t a : values) {
    ExpectRoundTrip({{0, a}});
    ExpectRoundTrip({{0, 0}, {1, a}});
    ExpectRoundTrip({{0, a}, {1, a}, {2, ~a}});
  }
}

TEST(XorChunkTest, StaleMarkerKeepsItsBits) {
  XorChunk c;
  ASSERT_TRUE(c.Append(1, 5.0));
  ASSERT_TRUE(c.Append(2, std::bit_cast<double>(kStaleNaN)));
  ASSERT_TRUE(c.Append(3, 6.0));
  XorIterator it = c.Iterator();
  ASSERT_TRUE(it.Next());
  ASSERT_TRUE(it.Next());
  EXPECT_EQ(it.v_bits(), kStaleNaN);
  EXPECT_TRUE(std::isnan(it.v()));
  EXPECT_EQ(std::bit_cast<uint64_t>(it.v()), kStaleNaN);
  ASSERT_TRUE(it.Next());
  EXPECT_EQ(it.v(), 6.0);
}

std::vector<Sample> Counter(int n, int64_t t0, int64_t step, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Sample> s;
  double v = 1234;
  int64_t t = t0;
  for (int i = 0; i < n; ++i) {
    s.push_back(Sample::Of(t, v));
    t += step + static_cast<int64_t>(rng() % 7) - 3;  // scrape jitter
    v += static_cast<double>(rng() % 100);
  }
  return s;
}

std::vector<Sample> RandomWalk(int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> step(0, 1);
  std::vector<Sample> s;
  double v = 100;
  for (int i = 0; i < n; ++i) {
    s.push_back(Sample::Of(1'600'000'000'000 + i * 10'000, v));
    v += step(rng);
  }
  return s;
}

TEST(XorChunkTest, RealisticSeriesRoundTrip) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    ExpectRoundTrip(Counter(120, 1'700'000'000'000, 15'000, seed));
    ExpectRoundTrip(RandomWalk(120, seed));
  }
  // Constant values: one bit per value after the first.
  std::vector<Sample> constant;
  for (int i = 0; i < 120; ++i) constant.push_back(Sample::Of(i * 15000, 42));
  ExpectRoundTrip(constant);
  EXPECT_LE(Encode(constant).Bytes().size(), 2 + 3 + 8 + 3 + 30u);
}

TEST(XorChunkTest, RandomBitsRoundTrip) {
  std::mt19937_64 rng(99);
  for (int round = 0; round < 200; ++round) {
    std::vector<Sample> in;
    int64_t t = static_cast<int64_t>(rng());
    const int n = 1 + static_cast<int>(rng() % 300);
    for (int i = 0; i < n; ++i) {
      // Mix of full-random values, small perturbations and repeats.
      uint64_t v;
      switch (rng() % 3) {
        case 0:
          v = rng();
          break;
        case 1:
          v = in.empty() ? 0 : in.back().v_bits ^ (1ull << (rng() % 64));
          break;
        default:
          v = in.empty() ? 0 : in.back().v_bits;
      }
      t += static_cast<int64_t>(rng() % 100000);
      in.push_back({t, v});
    }
    ExpectRoundTrip(in);
  }
}

// Delta-of-delta at and around every bucket edge: [-(2^(n-1)-1), 2^(n-1)] for n = 14, 17, 20.
TEST(XorChunkTest, TimestampBucketEdgesRoundTrip) {
  const std::vector<int64_t> dods = {0,
                                     1,
                                     -1,
                                     8191,
                                     8192,
                                     -8191,
                                     -8192,
                                     8193,
                                     65535,
                                     65536,
                                     -65535,
                                     -65536,
                                     65537,
                                     524287,
                                     524288,
                                     -524287,
                                     -524288,
                                     524289,
                                     1 << 30,
                                     -(1 << 30),
                                     1ll << 32,
                                     -(1ll << 32),
                                     (1ll << 33) + 1,
                                     INT64_MAX / 4,
                                     INT64_MIN / 4};
  std::vector<Sample> in = {Sample::Of(0, 0), Sample::Of(1000, 0)};
  int64_t delta = 1000;
  for (int64_t dod : dods) {
    delta += dod;
    in.push_back(Sample::Of(in.back().t + delta, 0));
    // Undo so deltas stay bounded, giving dod = -dod next.
    delta -= dod;
    in.push_back(Sample::Of(in.back().t + delta, 0));
  }
  ExpectRoundTrip(in);
}

// The bucket a delta-of-delta lands in shows in the size: a chunk of three samples with
// constant values has 2+1+8 header/s0 bytes, 1 delta byte, then 1 bit value for s1 and
// (bucket bits + 1) for s2.
TEST(XorChunkTest, TimestampBucketSizes) {
  struct Case {
    int64_t dod;
    size_t bits;  // varbit_ts bits
  };
  const Case cases[] = {
      {0, 1},        {1, 16},      {-1, 16},      {8192, 16},      {-8191, 16},  {8193, 20},
      {-8192, 20},   {65536, 20},  {-65535, 20},  {65537, 24},     {-65536, 24}, {524288, 24},
      {-524287, 24}, {524289, 68}, {-524288, 68}, {1ll << 40, 68},
  };
  for (const Case& c : cases) {
    XorChunk ch;
    ASSERT_TRUE(ch.Append(0, 1));
    ASSERT_TRUE(ch.Append(100, 1));
    ASSERT_TRUE(ch.Append(200 + c.dod, 1));
    XorIterator it = ch.Iterator();
    ASSERT_EQ(Decode(it).size(), 3u);
    // s0 ends at byte 2+1+8, s1 adds a 1-byte uvarint and a '0' bit.
    const uint64_t before = (2 + 1 + 8 + 1) * 8 + 1;
    XorIterator end = ch.Iterator();
    while (end.Next()) {
    }
    EXPECT_EQ(end.bit_position() - before, c.bits + 1) << "dod " << c.dod;
    EXPECT_EQ(Decode(ch.Bytes()).back().t, 200 + c.dod);
  }
}

TEST(XorChunkTest, UnusualTimestampsRoundTrip) {
  ExpectRoundTrip({Sample::Of(-1, 1)});
  ExpectRoundTrip({Sample::Of(-5000, 1), Sample::Of(-4000, 2), Sample::Of(-2500, 3)});
  ExpectRoundTrip({Sample::Of(INT64_MIN, 1), Sample::Of(INT64_MAX, 2), Sample::Of(0, 3),
                   Sample::Of(INT64_MIN, 4), Sample::Of(INT64_MAX, 5)});
  // Decreasing and repeated timestamps (the head never appends them; the codec copes).
  ExpectRoundTrip({Sample::Of(1000, 1), Sample::Of(900, 2), Sample::Of(900, 3), Sample::Of(5000, 4),
                   Sample::Of(-7, 5)});
  // Gaps beyond 2^32 ms.
  ExpectRoundTrip({Sample::Of(0, 1), Sample::Of(1ll << 33, 2), Sample::Of(1ll << 34, 3),
                   Sample::Of((1ll << 34) + 1, 4), Sample::Of(1ll << 40, 5)});
}

TEST(XorChunkTest, SampleCounts) {
  for (int n : {1, 2, 3, 119, 120, 121, 1000}) {
    ExpectRoundTrip(Counter(n, 0, 15000, static_cast<uint64_t>(n)));
  }
}

TEST(XorChunkTest, FullChunkRefusesMoreSamples) {
  const std::vector<Sample> in = Counter(XorChunk::kMaxSamples, 0, 1000, 3);
  XorChunk c = Encode(in);
  ASSERT_EQ(c.NumSamples(), 65535);
  const std::vector<uint8_t> before(c.Bytes().begin(), c.Bytes().end());
  EXPECT_FALSE(c.Append(1ll << 40, 1));
  EXPECT_EQ(c.NumSamples(), 65535);
  EXPECT_EQ(Hex(c.Bytes()), Hex(before));
  EXPECT_EQ(Decode(c.Bytes()), in);
}

TEST(XorChunkTest, IteratorSeesOnlySamplesPresentWhenCreated) {
  XorChunk c;
  ASSERT_TRUE(c.Append(1, 1));
  ASSERT_TRUE(c.Append(2, 2));
  const std::vector<uint8_t> snapshot(c.Bytes().begin(), c.Bytes().end());
  XorIterator it(snapshot);
  ASSERT_TRUE(c.Append(3, 3));
  EXPECT_EQ(Decode(it).size(), 2u);
  EXPECT_EQ(Decode(c.Iterator()).size(), 3u);
  EXPECT_EQ(c.last_t(), 3);
}

class SeekTest : public ::testing::Test {
 protected:
  // Timestamps 100, 200, ..., 1000; value = t / 100.
  SeekTest() {
    for (int i = 1; i <= 10; ++i) EXPECT_TRUE(chunk_.Append(i * 100, i));
  }
  XorChunk chunk_;
};

TEST_F(SeekTest, BeforeFirstLandsOnFirst) {
  XorIterator it = chunk_.Iterator();
  ASSERT_TRUE(it.Seek(-1000));
  EXPECT_EQ(it.t(), 100);
  EXPECT_EQ(it.v(), 1);
}

TEST_F(SeekTest, ExactAndBetween) {
  XorIterator it = chunk_.Iterator();
  ASSERT_TRUE(it.Seek(300));
  EXPECT_EQ(it.t(), 300);
  ASSERT_TRUE(it.Seek(301));
  EXPECT_EQ(it.t(), 400);
  EXPECT_EQ(it.v(), 4);
  ASSERT_TRUE(it.Next());
  EXPECT_EQ(it.t(), 500);
}

TEST_F(SeekTest, NeverMovesBackwards) {
  XorIterator it = chunk_.Iterator();
  ASSERT_TRUE(it.Seek(700));
  ASSERT_TRUE(it.Seek(200));
  EXPECT_EQ(it.t(), 700);
  ASSERT_TRUE(it.Seek(700));  // repeated seek to the same time stays
  EXPECT_EQ(it.t(), 700);
  ASSERT_TRUE(it.Seek(1000));
  EXPECT_EQ(it.t(), 1000);
  ASSERT_TRUE(it.Seek(1000));
  EXPECT_EQ(it.t(), 1000);
}

TEST_F(SeekTest, AfterLastIsExhausted) {
  XorIterator it = chunk_.Iterator();
  EXPECT_FALSE(it.Seek(1001));
  EXPECT_FALSE(it.Seek(0));  // exhausted stays exhausted
  EXPECT_FALSE(it.Next());
  EXPECT_TRUE(it.Err().ok());
}

TEST_F(SeekTest, AfterNextRanOut) {
  XorIterator it = chunk_.Iterator();
  while (it.Next()) {
  }
  EXPECT_FALSE(it.Seek(500));
}

TEST_F(SeekTest, SeekOnEveryTimestampFromFresh) {
  for (int64_t t = 0; t <= 1100; t += 50) {
    XorIterator it = chunk_.Iterator();
    const bool found = it.Seek(t);
    EXPECT_EQ(found, t <= 1000) << t;
    if (found) {
      EXPECT_EQ(it.t(), std::max<int64_t>(100, (t + 99) / 100 * 100)) << t;
    }
  }
}

TEST(XorChunkFromBytesTest, KeepsBytesAndResumesExactly) {
  const std::vector<Sample> all = Counter(120, 1'700'000'000'000, 15000, 11);
  const std::vector<Sample> walk = RandomWalk(120, 12);
  for (const auto* series : {&all, &walk}) {
    const XorChunk whole = Encode(*series);
    for (size_t cut = 0; cut <= series->size(); ++cut) {
      const std::vector<Sample> head(series->begin(), series->begin() + cut);
      const XorChunk first = Encode(head);
      Result<XorChunk> loaded = XorChunk::FromBytes(first.Bytes());
      ASSERT_TRUE(loaded.ok()) << loaded.error().message();
      EXPECT_EQ(Hex(loaded->Bytes()), Hex(first.Bytes()));
      for (size_t i = cut; i < series->size(); ++i) {
        ASSERT_TRUE(loaded->AppendBits((*series)[i].t, (*series)[i].v_bits));
      }
      ASSERT_EQ(Hex(loaded->Bytes()), Hex(whole.Bytes())) << "cut at " << cut;
    }
  }
}

TEST(XorChunkFromBytesTest, JunkPaddingIsDroppedOnAppend) {
  XorChunk c;
  ASSERT_TRUE(c.Append(0, 1));
  ASSERT_TRUE(c.Append(10, 1));  // ends with a single '0' bit: 7 padding bits
  ASSERT_EQ(Hex(c.Bytes()), "0002003ff00000000000000a00");
  // Junk in the 7 padding bits, and a junk byte after them.
  const std::vector<uint8_t> bytes = FromHex("0002003ff00000000000000a7f ab");
  Result<XorChunk> loaded = XorChunk::FromBytes(bytes);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(Hex(loaded->Bytes()), Hex(bytes));  // verbatim until appended to
  ASSERT_TRUE(loaded->Append(20, 2));
  XorChunk expect;
  ASSERT_TRUE(expect.Append(0, 1));
  ASSERT_TRUE(expect.Append(10, 1));
  ASSERT_TRUE(expect.Append(20, 2));
  EXPECT_EQ(Hex(loaded->Bytes()), Hex(expect.Bytes()));
}

TEST(XorChunkFromBytesTest, RejectsCorruptInput) {
  const std::vector<uint8_t> one = {0x00};
  Result<XorChunk> r = XorChunk::FromBytes(one);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("header"), std::string::npos) << r.error().message();

  const XorChunk c = Encode(Counter(10, 0, 1000, 5));
  std::vector<uint8_t> cut(c.Bytes().begin(), c.Bytes().end() - 3);
  r = XorChunk::FromBytes(cut);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("ends inside sample"), std::string::npos)
      << r.error().message();

  EXPECT_TRUE(XorChunk::FromBytes(std::vector<uint8_t>{0, 0}).ok());
}

}  // namespace
}  // namespace tsdbd::tsdb::chunkenc
