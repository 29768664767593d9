#include "lib/tsdb/chunkenc/xor_iterator.h"

#include <bit>
#include <string>

#include "lib/tsdb/chunkenc/varint.h"

namespace tsdbd::tsdb::chunkenc {

XorIterator::XorIterator(std::span<const uint8_t> bytes) : reader_(bytes) {
  if (bytes.size() < 2) {
    fault_ = Fault::kShort;
    return;
  }
  num_total_ = static_cast<uint16_t>((bytes[0] << 8) | bytes[1]);
  reader_.set_position(16);
}

double XorIterator::v() const {
  return std::bit_cast<double>(v_bits_);
}

bool XorIterator::Next() {
  if (fault_ != Fault::kNone) return false;
  if (num_read_ == num_total_) {
    exhausted_ = true;
    return false;
  }

  if (num_read_ == 0) {
    uint64_t zz;
    if (!reader_.ReadUvarint(&zz)) return Fail(Fault::kBadVarint);
    uint64_t bits;
    if (!reader_.ReadBits(64, &bits)) return Fail(Fault::kTruncated);
    t_ = UnZigZag(zz);
    v_bits_ = bits;
    num_read_ = 1;
    return true;
  }

  if (num_read_ == 1) {
    uint64_t delta;
    if (!reader_.ReadUvarint(&delta)) return Fail(Fault::kBadVarint);
    t_delta_ = delta;
  } else {
    // Delta of deltas: '0' -> 0; '10' + 14 bits; '110' + 17; '1110' + 20; '1111' + 64.
    // The n-bit forms hold two's complement values in [-(2^(n-1) - 1), 2^(n-1)].
    const uint64_t w = reader_.Peek64();
    const int ones = std::countl_one(w);
    int64_t dod;
    if (ones == 0) {
      if (reader_.remaining() < 1) return Fail(Fault::kTruncated);
      reader_.Skip(1);
      dod = 0;
    } else if (ones < 4) {
      static constexpr unsigned kWidth[4] = {0, 14, 17, 20};
      const unsigned n = kWidth[ones];
      const unsigned prefix = static_cast<unsigned>(ones) + 1;
      if (reader_.remaining() < prefix + n) return Fail(Fault::kTruncated);
      uint64_t bits = (w << prefix) >> (64 - n);
      if (bits > (uint64_t{1} << (n - 1))) bits -= uint64_t{1} << n;
      dod = static_cast<int64_t>(bits);
      reader_.Skip(prefix + n);
    } else {
      if (reader_.remaining() < 4 + 64) return Fail(Fault::kTruncated);
      reader_.Skip(4);
      uint64_t bits = 0;
      reader_.ReadBits(64, &bits);  // cannot fail: checked above
      dod = static_cast<int64_t>(bits);
    }
    t_delta_ += static_cast<uint64_t>(dod);
  }
  t_ = static_cast<int64_t>(static_cast<uint64_t>(t_) + t_delta_);
  if (!ReadValue()) return false;
  ++num_read_;
  return true;
}

// '0' -> same value; '10' + bits with the previous widths; '11' + 5 bits leading zeros +
// 6 bits significant-bit count (0 means 64) + the significant bits.
bool XorIterator::ReadValue() {
  const uint64_t w = reader_.Peek64();
  const uint64_t remaining = reader_.remaining();
  if ((w >> 63) == 0) {
    if (remaining < 1) return Fail(Fault::kTruncated);
    reader_.Skip(1);
    return true;
  }
  unsigned header;  // control bits (and widths) before the significant bits
  unsigned sig;
  if ((w >> 62) == 0b10) {
    header = 2;
    sig = 64u - leading_ - trailing_;
  } else {
    header = 13;
    const unsigned leading = static_cast<unsigned>((w >> 57) & 0x1f);
    sig = static_cast<unsigned>((w >> 51) & 0x3f);
    if (sig == 0) sig = 64;
    if (remaining < header) return Fail(Fault::kTruncated);
    if (leading + sig > 64) return Fail(Fault::kBadWidths);
    leading_ = static_cast<uint8_t>(leading);
    trailing_ = static_cast<uint8_t>(64 - leading - sig);
    have_widths_ = true;
  }
  if (remaining < header + sig) return Fail(Fault::kTruncated);
  uint64_t bits = 0;
  if (header + sig <= 64) {
    bits = (w << header) >> (64 - sig);  // already in the peeked word
    reader_.Skip(header + sig);
  } else {
    reader_.Skip(header);
    reader_.ReadBits(sig, &bits);  // cannot fail: checked above
  }
  v_bits_ ^= bits << trailing_;
  return true;
}

bool XorIterator::Seek(int64_t t) {
  if (fault_ != Fault::kNone || exhausted_) return false;
  if (num_read_ > 0 && t_ >= t) return true;
  while (Next()) {
    if (t_ >= t) return true;
  }
  return false;
}

Status XorIterator::Err() const {
  switch (fault_) {
    case Fault::kNone:
      return Status::Ok();
    case Fault::kShort:
      return Error("xor chunk: shorter than its 2-byte header");
    case Fault::kTruncated:
      break;
    case Fault::kBadVarint:
      return Error("xor chunk: bad varint in sample " + std::to_string(num_read_));
    case Fault::kBadWidths:
      return Error("xor chunk: invalid value widths in sample " + std::to_string(num_read_));
  }
  return Error("xor chunk: data ends inside sample " + std::to_string(num_read_) + " of " +
               std::to_string(num_total_));
}

}  // namespace tsdbd::tsdb::chunkenc
