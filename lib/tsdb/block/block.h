// A persisted block opened for reading: its meta, index, chunks and tombstones.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "lib/model/matcher.h"
#include "lib/model/result.h"
#include "lib/storage/querier.h"
#include "lib/tsdb/block/chunk_reader.h"
#include "lib/tsdb/block/index_reader.h"
#include "lib/tsdb/block/meta.h"
#include "lib/tsdb/block/tombstones.h"

namespace tsdbd::tsdb::block {

// Thread-safe. Shared: queriers and compactions hold a reference, so a block dropped by the
// database (compacted away, past retention) stays readable until they finish; its files are
// only unlinked, and mappings of unlinked files stay valid.
class Block : public std::enable_shared_from_this<Block> {
 public:
  // Opens <dir>: meta.json, index, chunks/, tombstones (missing: none).
  static Result<std::shared_ptr<Block>> Open(const std::string& dir);
  Block(const Block&) = delete;
  Block& operator=(const Block&) = delete;

  const std::string& dir() const { return dir_; }
  const std::string& ulid() const { return ulid_; }
  // A copy: Delete updates the tombstone count.
  BlockMeta meta() const;
  int64_t MinTime() const { return min_time_; }
  int64_t MaxTime() const { return max_time_; }  // exclusive
  const IndexReader& index() const { return *index_; }
  const ChunkReader& chunks() const { return *chunks_; }
  // The deleted intervals (shared with pending queriers: a snapshot per querier).
  std::shared_ptr<const Tombstones> tombstones() const;
  // Bytes on disk: index, chunks, tombstones and meta.json.
  uint64_t Size() const;

  // A querier over [mint, maxt] (inclusive); it keeps the block alive.
  std::unique_ptr<storage::Querier> NewQuerier(int64_t mint, int64_t maxt) const;

  // Records in meta.json (and the meta held) that compacting this block failed, so that the
  // planner passes it over from now on, as Prometheus does.
  Status MarkCompactionFailed();

  // Marks the samples of the series matching `matchers` within [mint, maxt] deleted, by
  // rewriting the tombstones file (Prometheus's Block.Delete).
  Status Delete(int64_t mint, int64_t maxt, std::span<const Matcher> matchers);

 private:
  Block(std::string dir, BlockMeta meta, std::unique_ptr<IndexReader> index,
        std::unique_ptr<ChunkReader> chunks, std::shared_ptr<const Tombstones> tombstones);

  const std::string dir_;
  const std::string ulid_;
  const int64_t min_time_, max_time_;
  std::unique_ptr<IndexReader> index_;
  std::unique_ptr<ChunkReader> chunks_;
  mutable std::mutex mu_;
  BlockMeta meta_;                                // requires mu_
  std::shared_ptr<const Tombstones> tombstones_;  // requires mu_
  uint64_t base_size_ = 0;  // index + chunks + meta.json
};

using BlockPtr = std::shared_ptr<Block>;

}  // namespace tsdbd::tsdb::block
