// Go's encoding/binary varints, as Prometheus writes them inside chunks: uvarint is
// little-endian base-128 (7 bits per byte, high bit = more follows, at most 10 bytes);
// varint zig-zags a signed value first ((x << 1) ^ (x >> 63)).
#pragma once

#include <cstddef>
#include <cstdint>

namespace tsdbd::tsdb::chunkenc {

inline constexpr size_t kMaxVarintLen64 = 10;

// Writes v into out (room for kMaxVarintLen64 bytes); returns the number of bytes written.
inline size_t PutUvarint(uint8_t* out, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    out[n++] = static_cast<uint8_t>(v) | 0x80;
    v >>= 7;
  }
  out[n++] = static_cast<uint8_t>(v);
  return n;
}

inline uint64_t ZigZag(int64_t x) {
  return (static_cast<uint64_t>(x) << 1) ^ static_cast<uint64_t>(x >> 63);
}

inline int64_t UnZigZag(uint64_t u) {
  return static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
}

inline size_t PutVarint(uint8_t* out, int64_t x) {
  return PutUvarint(out, ZigZag(x));
}

}  // namespace tsdbd::tsdb::chunkenc
