// Series as lists of encoded chunks: what a block is written from (the head's range, or the
// blocks being compacted) and what a block's querier reads samples from.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "lib/model/labels.h"

namespace tsdbd::tsdb::block {

// One XOR chunk's bytes and the times of its first and last samples. The bytes are borrowed:
// whoever hands a ChunkSpan out keeps them alive (see ChunkSeries::owner).
struct ChunkSpan {
  int64_t min_time = 0;
  int64_t max_time = 0;
  std::span<const uint8_t> bytes;
};

// A series with its chunks in time order, not overlapping. `owner` keeps the chunks' bytes
// alive for as long as the ChunkSeries lives (null when something longer-lived does).
struct ChunkSeries {
  Labels labels;
  std::vector<ChunkSpan> chunks;
  std::shared_ptr<const void> owner;
};

// The number of samples in an XOR chunk (its two-byte big-endian header).
uint32_t ChunkSamples(std::span<const uint8_t> bytes);

}  // namespace tsdbd::tsdb::block
