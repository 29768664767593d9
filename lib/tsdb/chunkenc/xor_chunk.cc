#include "lib/tsdb/chunkenc/xor_chunk.h"

#include <bit>
#include <string>

#include "lib/tsdb/chunkenc/varint.h"

namespace tsdbd::tsdb::chunkenc {

namespace {

// Whether x fits the nbits-wide varbit_ts bucket: [-(2^(nbits-1) - 1), 2^(nbits-1)].
inline bool FitsBucket(int64_t x, int nbits) {
  const int64_t half = int64_t{1} << (nbits - 1);
  return -(half - 1) <= x && x <= half;
}

}  // namespace

XorChunk::XorChunk() : stream_(2) {}

uint16_t XorChunk::NumSamples() const {
  const auto b = stream_.Bytes();
  return static_cast<uint16_t>((b[0] << 8) | b[1]);
}

Result<XorChunk> XorChunk::FromBytes(std::span<const uint8_t> bytes) {
  XorIterator it(bytes);
  while (it.Next()) {
  }
  if (Status st = it.Err(); !st.ok()) return Error(st.message());

  XorChunk c;
  c.stream_ = BitWriter(bytes, it.bit_position());
  c.t_ = it.t();
  c.v_bits_ = it.v_bits();
  c.t_delta_ = it.t_delta();
  if (it.have_widths()) {
    c.leading_ = it.leading();
    c.trailing_ = it.trailing();
  }
  return c;
}

bool XorChunk::Append(int64_t t, double v) {
  return AppendBits(t, std::bit_cast<uint64_t>(v));
}

// Prometheus's bit writer, when a whole-byte write ends on a byte boundary, leaves an empty
// byte after the data, and that byte stays in the chunk if nothing is written after it.
// Only the last field of the last sample decides whether the chunk ends so: the 64 raw
// value bits of sample 0 always do; a value XOR does when its significant-bit field is a
// multiple of 8 bits long and starts on a byte boundary. Byte-identical chunks need that
// byte too (tail_bytes(1)); readers ignore it.
bool XorChunk::AppendBits(int64_t t, uint64_t v_bits) {
  const uint16_t n = NumSamples();
  if (n == kMaxSamples) return false;

  if (n == 0) {
    uint8_t buf[kMaxVarintLen64];
    const size_t len = PutVarint(buf, t);
    for (size_t i = 0; i < len; ++i) stream_.WriteBits(buf[i], 8);
    stream_.WriteBits(v_bits, 64);
    stream_.set_tail_bytes(1);
    v_bits_ = v_bits;
  } else {
    const uint64_t t_delta = static_cast<uint64_t>(t) - static_cast<uint64_t>(t_);
    if (n == 1) {
      uint8_t buf[kMaxVarintLen64];
      const size_t len = PutUvarint(buf, t_delta);
      for (size_t i = 0; i < len; ++i) stream_.WriteBits(buf[i], 8);
    } else {
      WriteTimestampDod(static_cast<int64_t>(t_delta - t_delta_));
    }
    t_delta_ = t_delta;
    WriteValue(v_bits);
  }

  t_ = t;
  const uint16_t count = n + 1;
  uint8_t* h = stream_.header();
  h[0] = static_cast<uint8_t>(count >> 8);
  h[1] = static_cast<uint8_t>(count);
  return true;
}

void XorChunk::WriteTimestampDod(int64_t dod) {
  const uint64_t u = static_cast<uint64_t>(dod);
  if (dod == 0) {
    stream_.WriteBit(false);
  } else if (FitsBucket(dod, 14)) {
    stream_.WriteBits((uint64_t{0b10} << 14) | (u & ((uint64_t{1} << 14) - 1)), 2 + 14);
  } else if (FitsBucket(dod, 17)) {
    stream_.WriteBits((uint64_t{0b110} << 17) | (u & ((uint64_t{1} << 17) - 1)), 3 + 17);
  } else if (FitsBucket(dod, 20)) {
    stream_.WriteBits((uint64_t{0b1110} << 20) | (u & ((uint64_t{1} << 20) - 1)), 4 + 20);
  } else {
    stream_.WriteBits(0b1111, 4);
    stream_.WriteBits(u, 64);
  }
}

void XorChunk::WriteValue(uint64_t v_bits) {
  const uint64_t x = v_bits ^ v_bits_;
  v_bits_ = v_bits;
  if (x == 0) {
    stream_.WriteBit(false);
    return;
  }
  int leading = std::countl_zero(x);
  const int trailing = std::countr_zero(x);
  if (leading > 31) leading = 31;  // the field has 5 bits

  int sig;
  if (leading_ != kNoWidths && leading >= leading_ && trailing >= trailing_) {
    // '10': the bits fit in the previous window.
    sig = 64 - leading_ - trailing_;
    stream_.WriteBits(0b10, 2);
  } else {
    leading_ = static_cast<uint8_t>(leading);
    trailing_ = static_cast<uint8_t>(trailing);
    sig = 64 - leading - trailing;
    // '11', leading zeros, and the length with 64 written as 0.
    stream_.WriteBits((uint64_t{0b11} << 11) | (static_cast<uint64_t>(leading) << 6) |
                          (static_cast<uint64_t>(sig) & 0x3f),
                      2 + 5 + 6);
  }
  const bool starts_aligned = stream_.aligned();
  stream_.WriteBits(x >> trailing_, sig);
  if (starts_aligned && sig % 8 == 0) stream_.set_tail_bytes(1);
}

}  // namespace tsdbd::tsdb::chunkenc
