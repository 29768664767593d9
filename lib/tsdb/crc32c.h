// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as used by the Prometheus TSDB
// formats (WAL fragments, index sections, chunks). Uses the SSE4.2 crc32 instruction when
// the CPU has it (checked once at run time), else a slicing-by-8 table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tsdbd::tsdb {

// Continues a CRC-32C: crc is the value returned for the preceding bytes (0 for none).
// Crc32cExtend(Crc32c(a), b) == Crc32c(a + b). Thread-safe.
uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n);

inline uint32_t Crc32c(const void* data, size_t n) {
  return Crc32cExtend(0, data, n);
}
inline uint32_t Crc32c(std::string_view s) {
  return Crc32cExtend(0, s.data(), s.size());
}

// Same result as Crc32cExtend, always through the portable table code (for tests).
uint32_t Crc32cExtendPortable(uint32_t crc, const void* data, size_t n);

// Whether Crc32cExtend uses the hardware instruction on this CPU.
bool Crc32cHardwareAccelerated();

}  // namespace tsdbd::tsdb
