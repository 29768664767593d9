// Reads a bit stream written by BitWriter, never past the end of its bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "lib/tsdb/chunkenc/big_endian.h"

namespace tsdbd::tsdb::chunkenc {

class BitReader {
 public:
  BitReader() = default;
  // Reads `bytes`, which must stay alive and unchanged while this reader is used.
  explicit BitReader(std::span<const uint8_t> bytes)
      : data_(bytes.data()), size_(bytes.size()), end_(static_cast<uint64_t>(bytes.size()) * 8) {}

  uint64_t position() const { return pos_; }
  void set_position(uint64_t bit) { pos_ = bit; }
  uint64_t remaining() const { return end_ - pos_; }

  // The next 64 bits, left-aligned, zero past the end; consumes nothing.
  uint64_t Peek64() const {
    const size_t idx = static_cast<size_t>(pos_ >> 3);
    const unsigned off = static_cast<unsigned>(pos_ & 7);
    if (idx + 9 <= size_) [[likely]] {
      uint64_t w = LoadBigEndian64(data_ + idx);
      if (off != 0) w = (w << off) | (data_[idx + 8] >> (8 - off));
      return w;
    }
    return PeekSlow(idx, off);
  }

  // Consumes n bits (n <= remaining()).
  void Skip(unsigned n) { pos_ += n; }

  // Reads n bits (1 <= n <= 64) into *out; false, consuming nothing, if fewer remain.
  bool ReadBits(unsigned n, uint64_t* out) {
    if (n > remaining()) return false;
    *out = Peek64() >> (64 - n);
    pos_ += n;
    return true;
  }

  // Reads a Go uvarint; false on end of stream or a value over 64 bits.
  bool ReadUvarint(uint64_t* out) {
    uint64_t v = 0;
    for (unsigned i = 0, shift = 0; i < 10; ++i, shift += 7) {
      uint64_t b;
      if (!ReadBits(8, &b)) return false;
      if (b < 0x80) {
        if (i == 9 && b > 1) return false;  // overflows 64 bits
        *out = v | (b << shift);
        return true;
      }
      v |= (b & 0x7f) << shift;
    }
    return false;
  }

 private:
  uint64_t PeekSlow(size_t idx, unsigned off) const {
    uint64_t w = 0;
    for (size_t i = 0; i < 9; ++i) {
      const uint64_t b = idx + i < size_ ? data_[idx + i] : 0;
      if (i < 8) {
        w |= b << (56 - 8 * i);
      } else if (off != 0) {
        w = (w << off) | (b >> (8 - off));
      }
    }
    return w;
  }

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  uint64_t pos_ = 0;  // next bit to read
  uint64_t end_ = 0;  // bits in the stream
};

}  // namespace tsdbd::tsdb::chunkenc
