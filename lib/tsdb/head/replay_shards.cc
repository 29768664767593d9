#include "lib/tsdb/head/replay_shards.h"

#include <algorithm>

namespace tsdbd::tsdb {

ReplayShards::ReplayShards(size_t workers, int64_t chunk_range_ms)
    : chunk_range_ms_(chunk_range_ms), batch_size_(kOpsPerRound / std::max<size_t>(workers, 1)) {
  shards_.resize(std::max<size_t>(workers, 1));
  for (auto& shard : shards_) {
    shard = std::make_unique<Shard>();
    shard->pending.reserve(batch_size_);
  }
  for (auto& shard : shards_) shard->worker = std::thread([this, s = shard.get()] { Run(*s); });
}

ReplayShards::~ReplayShards() {
  Stop();
}

void ReplayShards::Hand(Shard& shard) {
  Batch next;
  {
    std::unique_lock lock(shard.mu);
    shard.cv.wait(lock, [&] { return shard.queued.size() < kMaxQueued; });
    shard.queued.push_back(std::move(shard.pending));
    if (!shard.spare.empty()) {
      next = std::move(shard.spare.back());
      shard.spare.pop_back();
    }
  }
  shard.cv.notify_all();
  next.clear();
  next.reserve(batch_size_);
  shard.pending = std::move(next);
}

void ReplayShards::Run(Shard& shard) {
  while (true) {
    Batch batch;
    {
      std::unique_lock lock(shard.mu);
      shard.cv.wait(lock, [&] { return !shard.queued.empty() || shard.closed; });
      if (shard.queued.empty()) return;
      batch = std::move(shard.queued.front());
      shard.queued.pop_front();
    }
    shard.cv.notify_all();
    GroupBySeries(batch, &shard.grouped, &shard.group_starts);
    Apply(shard.grouped, shard.stats);
    std::lock_guard lock(shard.mu);
    shard.spare.push_back(std::move(batch));
  }
}

void ReplayShards::GroupBySeries(const Batch& batch, Batch* grouped,
                                 std::vector<uint32_t>* starts) {
  auto group = [](const MemSeries* s) {
    return static_cast<size_t>(AddressHash(s) >> (64 - kGroupBits));
  };
  starts->assign((size_t{1} << kGroupBits) + 1, 0);
  for (const Op& op : batch) ++(*starts)[group(op.series()) + 1];
  for (size_t g = 1; g < starts->size(); ++g) (*starts)[g] += (*starts)[g - 1];
  grouped->resize(batch.size());
  for (const Op& op : batch) (*grouped)[(*starts)[group(op.series())]++] = op;
}

void ReplayShards::Apply(const Batch& batch, ReplayShardStats& stats) const {
  // Each op's series, its open chunk's object and the chunk's bytes are cache misses, each
  // found through the one before: load the series some ops ahead, its chunk's object (once
  // the series is in cache) fewer ahead, then the bytes, so that no step waits on memory.
  constexpr size_t kSeriesAhead = 24, kChunkObjectAhead = 16, kChunkAhead = 8;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (i + kSeriesAhead < batch.size()) batch[i + kSeriesAhead].series()->PrefetchAppendFields();
    if (i + kChunkObjectAhead < batch.size()) {
      batch[i + kChunkObjectAhead].series()->PrefetchOpenChunkObject();
    }
    if (i + kChunkAhead < batch.size()) batch[i + kChunkAhead].series()->PrefetchOpenChunk();
    const Op& op = batch[i];
    if (op.is_delete()) {
      stats.chunks_removed += op.series()->DeleteRange(op.t, static_cast<int64_t>(op.v));
      continue;
    }
    bool created = false;
    if (!op.series()->Append(op.t, op.v, chunk_range_ms_, &created)) {
      ++stats.out_of_order_samples;
      continue;
    }
    ++stats.samples;
    if (created) ++stats.chunks_created;
    stats.min_time = std::min(stats.min_time, op.t);
    stats.max_time = std::max(stats.max_time, op.t);
  }
}

void ReplayShards::Stop() {
  if (stopped_) return;
  stopped_ = true;
  for (auto& shard : shards_) {
    if (!shard->pending.empty()) Hand(*shard);
    {
      std::lock_guard lock(shard->mu);
      shard->closed = true;
    }
    shard->cv.notify_all();
  }
  for (auto& shard : shards_) shard->worker.join();
}

ReplayShardStats ReplayShards::Finish() {
  Stop();
  ReplayShardStats sum;
  for (const auto& shard : shards_) {
    const ReplayShardStats& s = shard->stats;
    sum.samples += s.samples;
    sum.out_of_order_samples += s.out_of_order_samples;
    sum.chunks_created += s.chunks_created;
    sum.chunks_removed += s.chunks_removed;
    sum.min_time = std::min(sum.min_time, s.min_time);
    sum.max_time = std::max(sum.max_time, s.max_time);
  }
  return sum;
}

}  // namespace tsdbd::tsdb
