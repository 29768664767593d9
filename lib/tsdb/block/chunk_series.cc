#include "lib/tsdb/block/chunk_series.h"

namespace tsdbd::tsdb::block {

uint32_t ChunkSamples(std::span<const uint8_t> bytes) {
  if (bytes.size() < 2) return 0;
  return (uint32_t{bytes[0]} << 8) | bytes[1];
}

}  // namespace tsdbd::tsdb::block
