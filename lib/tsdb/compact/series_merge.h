// Merging the chunks one series has in several blocks into the chunk list of the compacted
// block: chunks copied when they can be, re-encoded only where deletions or overlaps demand.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "lib/model/result.h"
#include "lib/tsdb/block/chunk_series.h"
#include "lib/tsdb/block/tombstones.h"

namespace tsdbd::tsdb::compact {

// The most samples a chunk re-cut from overlapping chunks holds (as Prometheus 2.42 cuts).
inline constexpr uint32_t kMaxMergedChunkSamples = 120;

// One chunk of the series as an input block holds it.
struct SourceChunk {
  block::ChunkSpan chunk;  // XOR data, borrowed
  uint32_t source = 0;     // the input block's position: the lower wins on equal timestamps
  // The series' deleted intervals in that block, sorted and merged; borrowed.
  std::span<const block::Interval> deleted;
};

// Re-encoded chunk bytes; each buffer's data stays put when the outer vector grows.
using OwnedChunks = std::vector<std::vector<uint8_t>>;

// Appends to *out the series' chunks, in time order and not overlapping:
//  - a chunk that no other overlaps and no deleted interval touches: as it is (borrowed);
//  - a chunk entirely inside a deleted interval: dropped;
//  - a chunk partly deleted and overlapping no other: re-encoded without the deleted
//    samples (dropped if none is left);
//  - chunks that overlap in time: their samples merged (on equal timestamps the sample
//    of the lowest `source` is kept, bit for bit) and re-cut into chunks of at most
//    kMaxMergedChunkSamples.
// Re-encoded bytes are appended to *owned, which must outlive the spans in *out.
// `chunks` is reordered. Error for a chunk that does not decode.
Status MergeSeriesChunks(std::vector<SourceChunk>& chunks, std::vector<block::ChunkSpan>* out,
                         OwnedChunks* owned);

}  // namespace tsdbd::tsdb::compact
