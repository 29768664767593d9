// ChunkMeta: a chunk as a block's index lists it.
#pragma once

#include <cstdint>

namespace tsdbd::tsdb::block {

// A chunk as the index lists it: where it is in the chunk segment files and the times it covers.
struct ChunkMeta {
  uint64_t ref = 0;      // (segment file index << 32) | byte offset, as the chunks format defines
  int64_t min_time = 0;  // inclusive, ms
  int64_t max_time = 0;  // inclusive, ms

  friend bool operator==(const ChunkMeta&, const ChunkMeta&) = default;
};

}  // namespace tsdbd::tsdb::block
