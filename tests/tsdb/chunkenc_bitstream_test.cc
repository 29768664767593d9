// The bit stream and Go varints under the XOR chunk encoding.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "lib/tsdb/chunkenc/bit_reader.h"
#include "lib/tsdb/chunkenc/bit_writer.h"
#include "lib/tsdb/chunkenc/varint.h"
#include "tests/tsdb/chunkenc_test_util.h"

namespace tsdbd::tsdb::chunkenc {
namespace {

using testutil::Hex;

TEST(BitWriterTest, WritesMostSignificantBitFirstAcrossBytes) {
  BitWriter w;
  w.WriteBit(true);
  w.WriteBits(0b010, 3);
  w.WriteBits(0xABC, 12);  // straddles two byte boundaries
  w.WriteBits(0, 1);
  EXPECT_EQ(w.bit_len(), 17u);
  // 1 010 101010111100 0 -> 1010 1010 1011 1100 0(0000000)
  EXPECT_EQ(Hex(w.Bytes()), "aabc00");
}

TEST(BitWriterTest, SixtyFourBitWriteAtEveryOffset) {
  for (int off = 0; off < 8; ++off) {
    BitWriter w;
    if (off > 0) w.WriteBits(0, off);
    w.WriteBits(0xFEDCBA9876543210ull, 64);
    BitReader r(w.Bytes());
    r.set_position(static_cast<uint64_t>(off));
    uint64_t v = 0;
    ASSERT_TRUE(r.ReadBits(64, &v));
    EXPECT_EQ(v, 0xFEDCBA9876543210ull) << "offset " << off;
    EXPECT_EQ(w.Bytes().size(), static_cast<size_t>((off + 64 + 7) / 8));
  }
}

TEST(BitWriterTest, HeaderBytesPrecedeData) {
  BitWriter w(2);
  EXPECT_EQ(Hex(w.Bytes()), "0000");
  w.WriteBits(0x5, 3);
  w.header()[0] = 0x12;
  w.header()[1] = 0x34;
  EXPECT_EQ(Hex(w.Bytes()), "1234a0");
}

TEST(BitWriterTest, TailBytesShowUntilTheNextWrite) {
  BitWriter w;
  w.WriteBits(0xAB, 8);
  w.set_tail_bytes(1);
  EXPECT_EQ(Hex(w.Bytes()), "ab00");
  w.WriteBit(true);
  EXPECT_EQ(Hex(w.Bytes()), "ab80");
}

TEST(BitWriterTest, AdoptedBytesKeptVerbatimThenJunkPaddingCleared) {
  const std::vector<uint8_t> bytes = {0xFF, 0xFF, 0xEE};  // data is the first 12 bits
  BitWriter w(bytes, 12);
  EXPECT_EQ(Hex(w.Bytes()), "ffffee");
  w.WriteBits(0, 2);
  // The padding junk after bit 12 and the extra byte are gone.
  EXPECT_EQ(Hex(w.Bytes()), "fff0");
}

TEST(BitWriterTest, GrowsPastInitialCapacity) {
  BitWriter w;
  for (int i = 0; i < 10000; ++i) w.WriteBits(static_cast<uint64_t>(i), 13);
  BitReader r(w.Bytes());
  for (int i = 0; i < 10000; ++i) {
    uint64_t v;
    ASSERT_TRUE(r.ReadBits(13, &v));
    ASSERT_EQ(v, static_cast<uint64_t>(i) & 0x1fff);
  }
}

TEST(BitStreamTest, RandomWidthsRoundTrip) {
  std::mt19937_64 rng(42);
  std::vector<std::pair<uint64_t, int>> fields;
  BitWriter w;
  for (int i = 0; i < 20000; ++i) {
    const int n = static_cast<int>(rng() % 64) + 1;
    const uint64_t v = rng() & (n == 64 ? ~0ull : (1ull << n) - 1);
    fields.emplace_back(v, n);
    w.WriteBits(v, n);
  }
  BitReader r(w.Bytes());
  for (const auto& [v, n] : fields) {
    uint64_t got;
    ASSERT_TRUE(r.ReadBits(static_cast<unsigned>(n), &got));
    ASSERT_EQ(got, v);
  }
  EXPECT_LT(r.remaining(), 8u);
}

TEST(BitReaderTest, RefusesToReadPastTheEnd) {
  const std::vector<uint8_t> bytes = {0xA5, 0x5A, 0xFF};
  BitReader r(bytes);
  uint64_t v = 0;
  EXPECT_FALSE(r.ReadBits(25, &v));
  EXPECT_EQ(r.position(), 0u);  // nothing consumed
  ASSERT_TRUE(r.ReadBits(20, &v));
  EXPECT_EQ(v, 0xA55AFu);
  // Peek past the end is zero-filled, and never reads out of bounds (ASan checks that).
  EXPECT_EQ(r.Peek64(), 0xF000000000000000ull);
  EXPECT_FALSE(r.ReadBits(5, &v));
  ASSERT_TRUE(r.ReadBits(4, &v));
  EXPECT_EQ(v, 0xFu);
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_EQ(r.Peek64(), 0u);
  EXPECT_FALSE(r.ReadBits(1, &v));
}

TEST(BitReaderTest, EmptyInput) {
  BitReader r(std::span<const uint8_t>{});
  uint64_t v;
  EXPECT_EQ(r.Peek64(), 0u);
  EXPECT_FALSE(r.ReadBits(1, &v));
  EXPECT_FALSE(r.ReadUvarint(&v));
}

// Values from Go's encoding/binary documentation and behaviour.
TEST(VarintTest, GoUvarintBytes) {
  struct Case {
    uint64_t v;
    const char* hex;
  };
  const Case cases[] = {
      {0, "00"},
      {1, "01"},
      {127, "7f"},
      {128, "8001"},
      {300, "ac02"},
      {16384, "808001"},
      {~0ull, "ffffffffffffffffff01"},
  };
  for (const Case& c : cases) {
    uint8_t buf[kMaxVarintLen64];
    const size_t n = PutUvarint(buf, c.v);
    EXPECT_EQ(Hex({buf, n}), c.hex) << c.v;
    BitReader r(std::span<const uint8_t>(buf, n));
    uint64_t got;
    ASSERT_TRUE(r.ReadUvarint(&got));
    EXPECT_EQ(got, c.v);
  }
}

TEST(VarintTest, GoVarintZigZag) {
  struct Case {
    int64_t v;
    const char* hex;
  };
  const Case cases[] = {
      {0, "00"},
      {-1, "01"},
      {1, "02"},
      {-2, "03"},
      {-128, "ff01"},
      {128, "8002"},
      {1000, "d00f"},
      {INT64_MIN, "ffffffffffffffffff01"},
      {INT64_MAX, "feffffffffffffffff01"},
  };
  for (const Case& c : cases) {
    uint8_t buf[kMaxVarintLen64];
    const size_t n = PutVarint(buf, c.v);
    EXPECT_EQ(Hex({buf, n}), c.hex) << c.v;
    EXPECT_EQ(UnZigZag(ZigZag(c.v)), c.v);
  }
}

TEST(VarintTest, RejectsOverlongAndTruncated) {
  uint64_t v;
  {
    const std::vector<uint8_t> eleven(11, 0xFF);  // never terminates within 10 bytes
    BitReader r(eleven);
    EXPECT_FALSE(r.ReadUvarint(&v));
  }
  {
    const std::vector<uint8_t> over = testutil::FromHex("ffffffffffffffffff02");  // > 64 bits
    BitReader r(over);
    EXPECT_FALSE(r.ReadUvarint(&v));
  }
  {
    const std::vector<uint8_t> cut = {0x80, 0x80};  // continuation bit, then the end
    BitReader r(cut);
    EXPECT_FALSE(r.ReadUvarint(&v));
  }
}

}  // namespace
}  // namespace tsdbd::tsdb::chunkenc
