// An append-only stream of bits, most significant bit of each byte first.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "lib/tsdb/chunkenc/big_endian.h"

namespace tsdbd::tsdb::chunkenc {

class BitWriter {
 public:
  // An empty stream whose first header_bytes bytes (zero) belong to the caller, who may set
  // them through header().
  explicit BitWriter(size_t header_bytes = 0) : bit_len_(header_bytes * 8) {
    buf_.resize(header_bytes + kInitialCapacity);
  }

  // A stream holding `bytes` whose first bit_len bits are data and whose remaining bytes are
  // kept verbatim in Bytes() until the next write, which first drops them.
  // Requires bit_len <= bytes.size() * 8.
  BitWriter(std::span<const uint8_t> bytes, uint64_t bit_len)
      : buf_(bytes.begin(), bytes.end()),
        bit_len_(bit_len),
        tail_bytes_(bytes.size() - (bit_len + 7) / 8),
        tail_dirty_(true) {
    assert(bit_len <= bytes.size() * 8);
    buf_.resize(buf_.size() + kSlack);
  }

  BitWriter(BitWriter&&) noexcept = default;
  BitWriter& operator=(BitWriter&&) noexcept = default;
  BitWriter(const BitWriter&) = default;
  BitWriter& operator=(const BitWriter&) = default;

  // The stream: every written bit, zero padding to a whole byte, then tail_bytes() bytes.
  std::span<const uint8_t> Bytes() const {
    return {buf_.data(), static_cast<size_t>((bit_len_ + 7) / 8) + tail_bytes_};
  }
  uint64_t bit_len() const { return bit_len_; }
  bool aligned() const { return (bit_len_ & 7) == 0; }

  // The caller's header bytes (valid until the next write).
  uint8_t* header() { return buf_.data(); }

  // Extra zero bytes shown after the data in Bytes(). Prometheus's writer leaves one such
  // byte in some cases, and byte-identical output must reproduce it (see xor_chunk.cc).
  // Any write drops them.
  size_t tail_bytes() const { return tail_bytes_; }
  void set_tail_bytes(size_t n) {
    Reserve(n);
    tail_bytes_ = n;
  }

  void WriteBit(bool bit) { WriteBits(bit ? 1 : 0, 1); }

  // Appends the low n bits of v, most significant first. 1 <= n <= 64.
  void WriteBits(uint64_t v, int n) {
    assert(n >= 1 && n <= 64);
    if (tail_dirty_) [[unlikely]]
      ClearTail();
    tail_bytes_ = 0;
    const size_t idx = static_cast<size_t>(bit_len_ >> 3);
    if (buf_.size() < idx + kSlack) [[unlikely]]
      Grow(idx + kSlack);
    const unsigned off = static_cast<unsigned>(bit_len_ & 7);
    const uint64_t u = v << (64 - n);  // the n bits, left-aligned
    uint8_t* p = buf_.data() + idx;
    // Bits past bit_len_ are zero, so OR-ing places the new bits.
    StoreBigEndian64(p, LoadBigEndian64(p) | (u >> off));
    if (off != 0 && off + static_cast<unsigned>(n) > 64) {
      p[8] |= static_cast<uint8_t>((u << (64 - off)) >> 56);
    }
    bit_len_ += static_cast<uint64_t>(n);
  }

 private:
  static constexpr size_t kInitialCapacity = 126;  // 128 bytes with a 2-byte header
  static constexpr size_t kSlack = 9;              // a write touches at most 9 bytes

  void Reserve(size_t tail) {
    const size_t need = static_cast<size_t>((bit_len_ + 7) / 8) + tail + kSlack;
    if (buf_.size() < need) Grow(need);
  }

  void Grow(size_t need) {
    size_t n = buf_.size() < 64 ? 128 : buf_.size() * 2;
    while (n < need) n *= 2;
    buf_.resize(n, 0);
  }

  // Zeroes everything after bit_len_ (bytes adopted from elsewhere may hold padding junk).
  void ClearTail() {
    const size_t idx = static_cast<size_t>(bit_len_ >> 3);
    const unsigned off = static_cast<unsigned>(bit_len_ & 7);
    size_t from = idx;
    if (off != 0) {
      buf_[idx] &= static_cast<uint8_t>(0xFF00u >> off);
      from = idx + 1;
    }
    for (size_t i = from; i < buf_.size(); ++i) buf_[i] = 0;
    tail_dirty_ = false;
  }

  std::vector<uint8_t> buf_;  // data, then zeros; always >= kSlack bytes past the data
  uint64_t bit_len_ = 0;      // bits written, header included
  size_t tail_bytes_ = 0;     // bytes shown in Bytes() past the data's last byte
  bool tail_dirty_ = false;   // bytes past bit_len_ may be non-zero
};

}  // namespace tsdbd::tsdb::chunkenc
