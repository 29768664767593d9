// The database: the head and the persisted blocks of one data directory, seen as one storage.
// It writes the head's old ranges as blocks, merges blocks as they age, and deletes what is
// past retention (Prometheus's tsdb.DB).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "lib/model/matcher.h"
#include "lib/model/result.h"
#include "lib/storage/appender.h"
#include "lib/storage/querier.h"
#include "lib/tsdb/block/block.h"
#include "lib/tsdb/head/head.h"

namespace tsdbd::tsdb {

struct DbOptions {
  std::string dir;  // the data directory: blocks, wal/, chunks_head/
  // --storage.tsdb.min-block-duration: the head's chunk range and the smallest block.
  int64_t min_block_duration_ms = 2 * 60 * 60 * 1000;
  // --storage.tsdb.max-block-duration: the largest block compaction makes.
  int64_t max_block_duration_ms = 31LL * 24 * 60 * 60 * 1000;
  int64_t retention_ms = 15LL * 24 * 60 * 60 * 1000;  // 0: none
  int64_t retention_bytes = 0;                        // 0: none
  bool wal_compression = true;
  // Run head compaction, block compaction and retention on a background thread.
  bool background = true;
  // Told where the WAL replay is, when set (HeadOptions::replay_status).
  std::shared_ptr<WalReplayStatus> replay_status;
};

// Counters for self-metrics (Prometheus's names in cmd/tsdbd/tsdb_metrics.cc).
struct DbCounters {
  std::atomic<uint64_t> compactions{0}, compactions_failed{0}, compactions_triggered{0};
  std::atomic<uint64_t> head_truncations{0};
  std::atomic<uint64_t> reloads{0}, reloads_failed{0};
  std::atomic<uint64_t> time_retentions{0}, size_retentions{0};
  std::atomic<uint64_t> vertical_compactions{0};
};

// Thread-safe.
class DB final : public storage::Appendable, public storage::Queryable {
 public:
  // Removes leftovers of interrupted compactions and deletions, opens every block, then the
  // head (replaying the WAL from the end of the newest block on).
  static Result<std::unique_ptr<DB>> Open(DbOptions options);
  ~DB() override;
  DB(const DB&) = delete;
  DB& operator=(const DB&) = delete;

  std::unique_ptr<storage::Appender> NewAppender() override;
  // The head and the blocks overlapping [mint_ms, maxt_ms], merged.
  Result<std::unique_ptr<storage::Querier>> NewQuerier(int64_t mint_ms, int64_t maxt_ms) override;

  // One maintenance pass: writes blocks out of the head while it spans more than 1.5 block
  // ranges, then compacts blocks as the plan says, then applies retention. Serialized with
  // itself; queries and appends go on meanwhile.
  Status Compact();

  // The blocks loaded, oldest first.
  std::vector<block::BlockPtr> Blocks() const;
  Head& head() { return *head_; }
  const Head& head() const { return *head_; }
  const DbOptions& options() const { return options_; }
  const DbCounters& counters() const { return counters_; }
  // Bytes the size retention counts: blocks, WAL and head chunks.
  uint64_t StorageBytes() const;
  // Duration of every block compaction and head compaction, in seconds, for the histogram.
  void SetCompactionObserver(std::function<void(double seconds)> observe);

  // Admin API (/api/v1/admin/tsdb/...): deletes the series matching `matchers` in
  // [mint, maxt] through tombstones (head samples are dropped at once), rewrites blocks
  // without their deleted samples, and writes a consistent copy of the data under `dir`.
  Status Delete(int64_t mint, int64_t maxt, std::span<const Matcher> matchers);
  Status CleanTombstones();
  Status Snapshot(const std::string& dir, bool with_head);

  // Stops the background work and closes the WAL; later appends fail.
  Status Close();

 private:
  explicit DB(DbOptions options);
  Status CompactHead();
  Status CompactBlocks();
  // Re-reads the block directories, applies retention, drops deleted blocks.
  Status ReloadBlocks();
  void BackgroundLoop();

  const DbOptions options_;
  std::unique_ptr<Head> head_;
  mutable std::mutex blocks_mu_;
  std::vector<block::BlockPtr> blocks_;  // requires blocks_mu_; sorted by min time
  std::mutex compact_mu_;                // one maintenance pass at a time
  DbCounters counters_;
  std::function<void(double)> observe_compaction_;

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // requires stop_mu_
  std::thread background_;
};

}  // namespace tsdbd::tsdb
