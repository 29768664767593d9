// One series of the head: its labels, its closed chunks and its open chunk, and the rules
// by which Prometheus cuts chunks.
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <vector>

#include "lib/model/labels.h"
#include "lib/tsdb/chunkenc/xor_chunk.h"

namespace tsdbd::tsdb {

// Samples a chunk aims for; Prometheus's samplesPerChunk.
inline constexpr int kSamplesPerChunk = 120;

// An immutable XOR chunk of the head, shared between the series and the iterators reading it.
class HeadChunk {
 public:
  HeadChunk(int64_t min_t, int64_t max_t, std::span<const uint8_t> bytes);
  HeadChunk(const HeadChunk&) = delete;
  HeadChunk& operator=(const HeadChunk&) = delete;

  int64_t min_t() const { return min_t_; }
  int64_t max_t() const { return max_t_; }
  bool Overlaps(int64_t mint, int64_t maxt) const { return max_t_ >= mint && min_t_ <= maxt; }
  std::span<const uint8_t> bytes() const { return {data_.get(), size_}; }
  size_t MemoryBytes() const { return sizeof(*this) + size_; }

 private:
  int64_t min_t_;
  int64_t max_t_;
  std::unique_ptr<uint8_t[]> data_;
  uint32_t size_;
};
using HeadChunkPtr = std::shared_ptr<const HeadChunk>;

// A chunk as a query reads it: the bytes stay unchanged while `owner` is held.
struct ChunkSnapshot {
  int64_t min_t;
  int64_t max_t;
  std::span<const uint8_t> bytes;
  std::shared_ptr<const void> owner;
};

// The end time Prometheus predicts for a chunk that started at `start`, whose sample at the
// quarter mark has time `cur`, so that the rest of the range up to `max` is split into
// chunks of equal sample counts (computeChunkEndTime).
int64_t ComputeChunkEndTime(int64_t start, int64_t cur, int64_t max);
// The end of the chunk range holding t: (t / width) * width + width.
int64_t RangeForTimestamp(int64_t t, int64_t width);

// Everything but the constructor, max_time() and the atomics requires the caller to hold the
// head's lock for this series (Head's striped series locks).
class MemSeries {
 public:
  static constexpr int64_t kNoTime = std::numeric_limits<int64_t>::min();

  MemSeries(uint64_t ref, Labels labels)
      : ref_(ref), open_(std::make_shared<chunkenc::XorChunk>()), labels_(std::move(labels)) {}
  MemSeries(const MemSeries&) = delete;
  MemSeries& operator=(const MemSeries&) = delete;

  uint64_t ref() const { return ref_; }
  const Labels& labels() const { return labels_; }

  enum class Check { kOk, kOutOfOrder, kDuplicate, kSameSample };
  // Whether (t, v) may follow the samples stored: kSameSample for a repeat of the newest
  // sample (accepted, not stored again), kDuplicate for its time with another value (values
  // compared bit for bit).
  Check Appendable(int64_t t, uint64_t v_bits) const;

  // Stores the sample after the newest one, cutting a chunk as Prometheus would. False
  // (nothing stored) when t is not after the newest sample. *chunk_created tells of a cut.
  bool Append(int64_t t, uint64_t v_bits, int64_t chunk_range, bool* chunk_created);

  // Time of the newest sample ever appended (kept after truncation), or kNoTime. It only
  // grows. May be called without the lock (appenders check against it so): then it may miss
  // the latest Append.
  int64_t max_time() const { return last_t_.load(std::memory_order_relaxed); }
  // Time of the oldest sample held, or kNoTime when no chunk is held.
  int64_t min_time() const;
  // Chunks held, closed and open.
  size_t NumChunks() const { return closed_.size() + (open_->NumSamples() > 0 ? 1 : 0); }
  bool Empty() const { return NumChunks() == 0; }

  // Drops the chunks whose newest sample is older than mint; returns how many.
  size_t TruncateBefore(int64_t mint);

  // Drops the samples in [mint, maxt], re-encoding the chunks that keep some (defined in
  // mem_series_delete.cc). The open chunk stays open only if it keeps its newest sample;
  // otherwise what remains of it is closed. max_time() still names the newest sample ever
  // appended, so later appends must still follow it. Returns the chunks dropped whole.
  size_t DeleteRange(int64_t mint, int64_t maxt);

  // Appends to *out the chunks overlapping [mint, maxt]; the open chunk as a copy (for head
  // compaction, which keeps them).
  void Snapshot(int64_t mint, int64_t maxt, std::vector<HeadChunkPtr>* out) const;
  // Same for a query: each chunk with the owner keeping its bytes alive. The open chunk's
  // bytes are not copied: while a snapshot owns them, the next Append writes to a copy, so
  // they never change under a reader.
  void SnapshotShared(int64_t mint, int64_t maxt, std::vector<ChunkSnapshot>* out) const;
  // Whether Snapshot(mint, maxt) would return a chunk; copies nothing.
  bool HasChunkIn(int64_t mint, int64_t maxt) const;

  // Heap and object bytes of this series' own data (labels block, chunks).
  size_t MemoryBytes() const;

  // For a caller that appends to many series in turn (the WAL replay), three steps that
  // load what an Append reads into the cache, each once the step before had time to land:
  // the series' fields an Append reads, the open chunk's object, then its first and last
  // bytes.
  void PrefetchAppendFields() const {
    __builtin_prefetch(this);
    __builtin_prefetch(reinterpret_cast<const char*>(this) + kAppendFieldsEnd - 1);
  }
  void PrefetchOpenChunkObject() const {
    // The shared_ptr's count, which an Append checks, sits just before the object (in
    // libstdc++'s make_shared block; a prefetch of a wrong address costs nothing more).
    const char* o = reinterpret_cast<const char*>(open_.get());
    __builtin_prefetch(o - 16);
    __builtin_prefetch(o + sizeof(chunkenc::XorChunk) - 1);
  }
  void PrefetchOpenChunk() const {
    const std::span<const uint8_t> b = open_->Bytes();
    __builtin_prefetch(b.data());
    __builtin_prefetch(b.data() + b.size());
  }

  // Set once the series record is in the WAL (see HeadAppender::Commit).
  std::atomic<bool> wal_logged{false};
  // References: the series maps hold one, appenders and queriers one each while they use it.
  std::atomic<uint32_t> refs{1};

 private:
  // The fields from here to last_v_bits_ are what an Append reads (but for a cut), kept in
  // the object's first 64 bytes: two cache lines at most (new aligns to 16), one at best.
  //
  // Written under the lock only; read without it by max_time(). Next to refs, which an
  // appender's look-up by ref touches anyway, so that its check costs no other cache line.
  std::atomic<int64_t> last_t_{kNoTime};
  const uint64_t ref_;
  // The head chunk (empty until the first sample); shared with snapshots, never null.
  std::shared_ptr<chunkenc::XorChunk> open_;
  int64_t open_min_t_ = kNoTime;
  int64_t next_at_ = kNoTime;  // cut the open chunk at this time at the latest
  uint64_t last_v_bits_ = 0;

 public:
  // Next series with the same labels hash; guarded by the hash stripe's lock.
  MemSeries* hash_next = nullptr;

 private:
  static constexpr size_t kAppendFieldsEnd = 64;

  void CutOpenChunk(int64_t t);
  // The open chunk, made this series' own for writing: copied first if a snapshot holds it.
  chunkenc::XorChunk& WritableOpenChunk();
  // Calls fn(chunk) for each closed chunk overlapping [mint, maxt], oldest first.
  template <typename Fn>
  void ForClosedIn(int64_t mint, int64_t maxt, Fn&& fn) const {
    for (const HeadChunkPtr& c : closed_) {
      if (c->Overlaps(mint, maxt)) fn(c);
    }
  }
  // Whether the open chunk holds samples and overlaps [mint, maxt].
  bool OpenChunkIn(int64_t mint, int64_t maxt) const;

  const Labels labels_;
  std::vector<HeadChunkPtr> closed_;  // oldest first
};

}  // namespace tsdbd::tsdb
