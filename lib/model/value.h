// Special sample values.
#pragma once

#include <bit>
#include <cstdint>

namespace tsdbd {

// The stale marker: a NaN with this exact bit pattern, written when a series disappears
// from a scrape. Any other NaN is an ordinary value.
inline constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002;

inline double StaleNaN() {
  return std::bit_cast<double>(kStaleNaNBits);
}
inline bool IsStaleNaN(double v) {
  return std::bit_cast<uint64_t>(v) == kStaleNaNBits;
}

}  // namespace tsdbd
