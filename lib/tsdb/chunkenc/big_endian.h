// Unaligned big-endian loads and stores for the bit streams.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace tsdbd::tsdb::chunkenc {

inline uint64_t LoadBigEndian64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
  return v;
}

inline void StoreBigEndian64(uint8_t* p, uint64_t v) {
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
  std::memcpy(p, &v, sizeof v);
}

}  // namespace tsdbd::tsdb::chunkenc
