#include "lib/tsdb/compact/series_merge.h"

#include <algorithm>
#include <string>

#include "lib/tsdb/chunkenc/xor_chunk.h"
#include "lib/tsdb/chunkenc/xor_iterator.h"

namespace tsdbd::tsdb::compact {

namespace {

using block::ChunkSpan;
using block::Interval;

enum class Deletion { kNone, kAll, kSome };

Deletion DeletionOf(const ChunkSpan& c, std::span<const Interval> deleted) {
  for (const Interval& iv : deleted) {
    if (iv.maxt < c.min_time) continue;
    if (iv.mint > c.max_time) break;
    // Intervals are merged: one that does not cover the whole chunk leaves part of it.
    if (iv.mint <= c.min_time && c.max_time <= iv.maxt) return Deletion::kAll;
    return Deletion::kSome;
  }
  return Deletion::kNone;
}

struct Sample {
  int64_t t;
  uint64_t v_bits;
  uint32_t source;
};

// Appends the samples of `c` outside the deleted intervals.
Status Decode(const SourceChunk& c, std::vector<Sample>* samples) {
  chunkenc::XorIterator it(c.chunk.bytes);
  size_t next_deleted = 0;
  while (it.Next()) {
    const int64_t t = it.t();
    while (next_deleted < c.deleted.size() && c.deleted[next_deleted].maxt < t) ++next_deleted;
    if (next_deleted < c.deleted.size() && c.deleted[next_deleted].InBounds(t)) continue;
    samples->push_back({t, it.v_bits(), c.source});
  }
  if (Status s = it.Err(); !s.ok()) return Error("decoding a chunk: " + s.message());
  return Status::Ok();
}

// Encodes `samples` (increasing timestamps) into chunks of at most `max_per_chunk`.
Status Encode(std::span<const Sample> samples, uint32_t max_per_chunk, std::vector<ChunkSpan>* out,
              OwnedChunks* owned) {
  for (size_t begin = 0; begin < samples.size(); begin += max_per_chunk) {
    const size_t end = std::min(samples.size(), begin + max_per_chunk);
    chunkenc::XorChunk chunk;
    for (size_t i = begin; i < end; ++i) {
      if (!chunk.AppendBits(samples[i].t, samples[i].v_bits)) {
        return Error("re-encoding a chunk: more samples than a chunk holds");
      }
    }
    std::span<const uint8_t> bytes = chunk.Bytes();
    owned->emplace_back(bytes.begin(), bytes.end());
    out->push_back({samples[begin].t, samples[end - 1].t, owned->back()});
  }
  return Status::Ok();
}

}  // namespace

Status MergeSeriesChunks(std::vector<SourceChunk>& chunks, std::vector<ChunkSpan>* out,
                         OwnedChunks* owned) {
  std::stable_sort(chunks.begin(), chunks.end(), [](const SourceChunk& a, const SourceChunk& b) {
    if (a.chunk.min_time != b.chunk.min_time) return a.chunk.min_time < b.chunk.min_time;
    return a.source < b.source;
  });
  std::vector<Sample> samples;
  size_t i = 0;
  while (i < chunks.size()) {
    // The run of chunks overlapping one another.
    int64_t run_end = chunks[i].chunk.max_time;
    size_t j = i + 1;
    while (j < chunks.size() && chunks[j].chunk.min_time <= run_end) {
      run_end = std::max(run_end, chunks[j].chunk.max_time);
      ++j;
    }
    if (j - i == 1) {
      const SourceChunk& c = chunks[i];
      switch (DeletionOf(c.chunk, c.deleted)) {
        case Deletion::kNone:
          out->push_back(c.chunk);
          break;
        case Deletion::kAll:
          break;
        case Deletion::kSome: {
          samples.clear();
          if (Status s = Decode(c, &samples); !s.ok()) return s;
          // One chunk in, at most one out: the original held no more than a chunk can.
          if (Status s = Encode(samples, chunkenc::XorChunk::kMaxSamples, out, owned); !s.ok()) {
            return s;
          }
          break;
        }
      }
    } else {
      samples.clear();
      for (size_t k = i; k < j; ++k) {
        if (DeletionOf(chunks[k].chunk, chunks[k].deleted) == Deletion::kAll) continue;
        if (Status s = Decode(chunks[k], &samples); !s.ok()) return s;
      }
      std::stable_sort(samples.begin(), samples.end(), [](const Sample& a, const Sample& b) {
        if (a.t != b.t) return a.t < b.t;
        return a.source < b.source;
      });
      samples.erase(std::unique(samples.begin(), samples.end(),
                                [](const Sample& a, const Sample& b) { return a.t == b.t; }),
                    samples.end());
      if (Status s = Encode(samples, kMaxMergedChunkSamples, out, owned); !s.ok()) return s;
    }
    i = j;
  }
  return Status::Ok();
}

}  // namespace tsdbd::tsdb::compact
