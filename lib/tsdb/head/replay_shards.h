// The WAL replay's appliers: worker threads that store replayed samples and apply deletions,
// each owning the series of its shard, so that every series sees its samples and deletions
// in WAL order while no lock is taken per sample (Prometheus shards its replay the same way).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "lib/tsdb/head/mem_series.h"

namespace tsdbd::tsdb {

// What the workers did, summed over them.
struct ReplayShardStats {
  int64_t samples = 0;               // stored
  int64_t out_of_order_samples = 0;  // not after their series' newest: skipped
  uint64_t chunks_created = 0;
  uint64_t chunks_removed = 0;  // by deletions
  // Of the samples stored; max_time is kNoTime when none was.
  int64_t min_time = std::numeric_limits<int64_t>::max();
  int64_t max_time = MemSeries::kNoTime;
};

// Fed by one thread. The series handed in must not be used by anything else until Finish()
// returns, and must outlive it.
class ReplayShards {
 public:
  // Starts max(workers, 1) threads. chunk_range_ms: as for MemSeries::Append.
  ReplayShards(size_t workers, int64_t chunk_range_ms);
  // Stops the workers (after they applied what they were given) if Finish() was not called.
  ~ReplayShards();
  ReplayShards(const ReplayShards&) = delete;
  ReplayShards& operator=(const ReplayShards&) = delete;

  // Queues MemSeries::Append(t, v_bits) for s, after everything queued for s before.
  void AddSample(MemSeries* s, int64_t t, uint64_t v_bits) { Add(s, Op(s, false, t, v_bits)); }
  // Queues MemSeries::DeleteRange(mint, maxt) for s, after everything queued for s before.
  void AddDeletion(MemSeries* s, int64_t mint, int64_t maxt) {
    Add(s, Op(s, true, mint, static_cast<uint64_t>(maxt)));
  }

  // Waits until everything queued is applied and stops the workers.
  ReplayShardStats Finish();

 private:
  // 24 bytes, not 32: a deletion is marked in the low bit of its series' address (a MemSeries
  // is aligned to 8), as the ops are written, grouped and read once each per sample.
  struct Op {
    Op() = default;
    Op(MemSeries* s, bool is_delete, int64_t t, uint64_t v)
        : series_and_kind(reinterpret_cast<uintptr_t>(s) | (is_delete ? 1 : 0)), t(t), v(v) {}
    MemSeries* series() const {
      return reinterpret_cast<MemSeries*>(series_and_kind & ~uintptr_t{1});
    }
    bool is_delete() const { return series_and_kind & 1; }

    uintptr_t series_and_kind = 0;
    int64_t t = 0;   // sample time, or the deletion's min time
    uint64_t v = 0;  // sample value bits, or the deletion's max time
  };
  static_assert(sizeof(Op) == 24 && alignof(MemSeries) >= 2);
  using Batch = std::vector<Op>;

  // One worker's queue of batches, bounded so that the reader cannot run far ahead.
  struct Shard {
    std::mutex mu;
    std::condition_variable cv;  // batches queued, a slot freed, or closed
    std::deque<Batch> queued;
    std::vector<Batch> spare;  // applied batches, kept for their capacity
    bool closed = false;
    Batch pending;           // filled by the feeding thread, unlocked
    ReplayShardStats stats;  // written by the worker only
    Batch grouped;           // the worker's: the batch being applied, grouped by series
    std::vector<uint32_t> group_starts;
    std::thread worker;
  };

  void Add(const MemSeries* s, const Op& op) {
    Shard& shard = *shards_[ShardOf(s)];
    shard.pending.push_back(op);
    if (shard.pending.size() >= batch_size_) Hand(shard);
  }
  // A hash of the series' address, which the feeding thread knows without touching the
  // series: its middle bits pick the shard, its top bits the group within a batch.
  static uint64_t AddressHash(const MemSeries* s) {
    return (reinterpret_cast<uintptr_t>(s) >> 4) * 0x9E3779B97F4A7C15ull;
  }
  size_t ShardOf(const MemSeries* s) const { return (AddressHash(s) >> 32) % shards_.size(); }
  // Queues shard.pending, waiting while the shard's queue is full.
  void Hand(Shard& shard);
  void Run(Shard& shard);
  // Reorders `batch` into *grouped, a group of few series after another (by address), each
  // series' ops in the order they came: a series then takes its samples of the batch in a
  // row while it is in cache, instead of one per pass over all the shard's series.
  static void GroupBySeries(const Batch& batch, Batch* grouped, std::vector<uint32_t>* starts);
  void Apply(const Batch& batch, ReplayShardStats& stats) const;
  void Stop();

  // The ops of one batch of every shard together: enough that a batch holds several samples
  // of each series of its shard (100k series: about five), whatever the number of workers,
  // which share them (8 MiB of ops each for two). A worker holds its queue, the batch it
  // applies and that batch grouped: 4 batches, 32 MiB for two workers, while the replay runs.
  static constexpr size_t kOpsPerRound = 1 << 19;
  static constexpr size_t kMaxQueued = 1;
  static constexpr int kGroupBits = 12;

  const int64_t chunk_range_ms_;
  const size_t batch_size_;  // ops a batch is handed over at
  std::vector<std::unique_ptr<Shard>> shards_;
  bool stopped_ = false;
};

}  // namespace tsdbd::tsdb
