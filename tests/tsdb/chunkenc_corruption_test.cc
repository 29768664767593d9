// Corrupt and truncated XOR chunks: iteration stops with an error, never reads out of bounds
// (run these under ASan: -DTSDBD_SANITIZE=ON), and never invents samples.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "lib/tsdb/chunkenc/xor_chunk.h"
#include "lib/tsdb/chunkenc/xor_iterator.h"
#include "tests/tsdb/chunkenc_test_util.h"

namespace tsdbd::tsdb::chunkenc {
namespace {

using testutil::Decode;
using testutil::Encode;
using testutil::FromHex;
using testutil::Sample;

// A varied chunk: counter, NaNs, big timestamp jumps, all value widths.
std::vector<Sample> Varied(int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Sample> s;
  int64_t t = 1'700'000'000'000;
  uint64_t v = 0x4059000000000000ull;
  for (int i = 0; i < n; ++i) {
    switch (rng() % 4) {
      case 0:
        t += 15000;
        break;
      case 1:
        t += static_cast<int64_t>(rng() % 20000);
        break;
      case 2:
        t += static_cast<int64_t>(rng() % (1ull << 36));
        break;
      default:
        t += 1;
    }
    switch (rng() % 4) {
      case 0:
        break;
      case 1:
        v = rng();
        break;
      case 2:
        v ^= (rng() & 0xFFFF) << (rng() % 48);
        break;
      default:
        v = 0x7ff0000000000002ull;
    }
    s.push_back({t, v});
  }
  return s;
}

// Copies into an exactly-sized heap buffer so ASan catches any read past its end.
std::vector<uint8_t> Exact(std::span<const uint8_t> b) {
  return {b.begin(), b.end()};
}

TEST(XorCorruptionTest, TruncationAtEveryLength) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    const std::vector<Sample> in = Varied(120, seed);
    const XorChunk c = Encode(in);
    const std::vector<uint8_t> full = Exact(c.Bytes());
    for (size_t len = 0; len < full.size(); ++len) {
      const std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<ptrdiff_t>(len));
      XorIterator it(cut);
      std::vector<Sample> out;
      while (it.Next()) out.push_back({it.t(), it.v_bits()});
      // Whatever came out is exactly a prefix of the input.
      ASSERT_LE(out.size(), in.size());
      ASSERT_TRUE(std::equal(out.begin(), out.end(), in.begin())) << "len " << len;
      if (out.size() < in.size()) {
        EXPECT_FALSE(it.Err().ok()) << "len " << len << " gave " << out.size() << " samples";
        EXPECT_FALSE(XorChunk::FromBytes(cut).ok());
      }
    }
  }
}

TEST(XorCorruptionTest, TruncationErrorsNameTheSample) {
  const XorChunk c = Encode(Varied(10, 9));
  const std::vector<uint8_t> cut(c.Bytes().begin(), c.Bytes().begin() + 14);
  XorIterator it(cut);
  while (it.Next()) {
  }
  const Status st = it.Err();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("of 10"), std::string::npos) << st.message();
}

TEST(XorCorruptionTest, HeaderClaimsMoreSamplesThanPresent) {
  XorChunk c;
  ASSERT_TRUE(c.Append(1, 1));
  ASSERT_TRUE(c.Append(2, 2));
  std::vector<uint8_t> b = Exact(c.Bytes());
  b[0] = 0xFF;  // 65282 samples claimed
  XorIterator it(b);
  int n = 0;
  while (it.Next()) ++n;
  // Two real samples, then the zero padding decodes as unchanged samples until the bits
  // run out; the iterator must stop there with an error.
  EXPECT_GE(n, 2);
  EXPECT_LT(n, 64);
  EXPECT_FALSE(it.Err().ok());
}

TEST(XorCorruptionTest, ShortHeader) {
  for (const auto& b : {std::vector<uint8_t>{}, std::vector<uint8_t>{0x01}}) {
    XorIterator it(b);
    EXPECT_FALSE(it.Next());
    EXPECT_FALSE(it.Seek(0));
    EXPECT_FALSE(it.Err().ok());
    EXPECT_FALSE(XorChunk::FromBytes(b).ok());
  }
}

TEST(XorCorruptionTest, OverlongFirstTimestampVarint) {
  const std::vector<uint8_t> b = FromHex("0001 ffffffffffffffffffff 01 3ff0000000000000");
  XorIterator it(b);
  EXPECT_FALSE(it.Next());
  EXPECT_NE(it.Err().message().find("varint"), std::string::npos) << it.Err().message();
}

TEST(XorCorruptionTest, ImpossibleXorWidths) {
  // s0 (0, 0.0), then s1 delta 1 and value '11' leading=31 sig=63: 94 bits > 64.
  // bits: 11 11111 111111 -> 1111 1111 1111 1(000)
  const std::vector<uint8_t> b = FromHex("0002 00 0000000000000000 01 fff8 0000000000000000");
  XorIterator it(b);
  ASSERT_TRUE(it.Next());
  EXPECT_FALSE(it.Next());
  EXPECT_NE(it.Err().message().find("widths"), std::string::npos) << it.Err().message();
}

TEST(XorCorruptionTest, RandomGarbageNeverCrashes) {
  std::mt19937_64 rng(1234);
  int errors = 0;
  for (int round = 0; round < 200000; ++round) {
    const size_t len = rng() % 64;
    std::vector<uint8_t> b(len);
    for (auto& x : b) x = static_cast<uint8_t>(rng());
    XorIterator it(b);
    int n = 0;
    while (it.Next()) ++n;
    ASSERT_LE(n, it.num_samples());
    if (n < it.num_samples() || len < 2) {
      ASSERT_FALSE(it.Err().ok());
      ++errors;
    }
    XorIterator seeker(b);
    seeker.Seek(static_cast<int64_t>(rng()));
  }
  EXPECT_GT(errors, 0);
}

TEST(XorCorruptionTest, BitFlipsInValidChunksNeverCrash) {
  std::mt19937_64 rng(77);
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const std::vector<uint8_t> good = Exact(Encode(Varied(120, seed)).Bytes());
    for (int round = 0; round < 500; ++round) {
      std::vector<uint8_t> b = good;
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f) {
        b[rng() % b.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
      }
      XorIterator it(b);
      int n = 0;
      while (it.Next()) ++n;
      ASSERT_LE(n, it.num_samples());
      if (n < it.num_samples()) {
        ASSERT_FALSE(it.Err().ok());
      }
      Result<XorChunk> loaded = XorChunk::FromBytes(b);
      if (loaded.ok()) {
        // A chunk that decodes can be appended to and still decodes.
        ASSERT_TRUE(loaded->NumSamples() == XorChunk::kMaxSamples ||
                    loaded->Append(loaded->last_t() + 1000, 1.5));
        XorIterator again = loaded->Iterator();
        while (again.Next()) {
        }
        ASSERT_TRUE(again.Err().ok()) << again.Err().message();
      }
    }
  }
}

}  // namespace
}  // namespace tsdbd::tsdb::chunkenc
