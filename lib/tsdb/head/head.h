// The head block: the in-memory series of the newest samples, their postings index, and the
// WAL that makes committed samples survive a crash (Prometheus's tsdb.Head).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "lib/model/matcher.h"
#include "lib/model/result.h"
#include "lib/storage/appender.h"
#include "lib/storage/querier.h"
#include "lib/tsdb/head/head_readers.h"
#include "lib/tsdb/head/series_map.h"
#include "lib/tsdb/head/wal_replay_status.h"
#include "lib/tsdb/index/postings_index.h"
#include "lib/tsdb/wal/wal.h"

namespace tsdbd::tsdb {

struct HeadOptions {
  // Width of a chunk range, i.e. of a block (--storage.tsdb.min-block-duration).
  int64_t chunk_range_ms = 2 * 60 * 60 * 1000;
  // The WAL directory (Prometheus's <data>/wal). Empty: no WAL, nothing survives a restart.
  std::string wal_dir;
  wal::WalOptions wal_options;
  // Wait for fdatasync (group-committed) in every Commit. Off, as in Prometheus: a committed
  // batch is then in the kernel (it survives kill -9) but not necessarily on the disk.
  bool sync_on_commit = false;
  // Lock stripes of the series maps and of the series themselves (power of two).
  size_t stripes = 16384;
  // Samples older than this are refused, in the WAL replay too: the end of the newest block,
  // which already holds them.
  int64_t min_valid_time = MemSeries::kNoTime;
  // Threads that apply the WAL replay's samples; 0: one per core.
  size_t replay_workers = 0;
  // Told where the replay is, when set.
  std::shared_ptr<WalReplayStatus> replay_status;
};

// What the WAL replay at Open found.
struct HeadReplayStats {
  int64_t series = 0;                // series records applied
  int64_t samples = 0;               // samples stored
  int64_t unknown_ref_samples = 0;   // samples of series with no series record: skipped
  int64_t out_of_order_samples = 0;  // samples not after their series' newest: skipped
  int64_t duplicate_ref_series = 0;  // series records repeating labels under another ref
  std::string corruption;            // damage found (then repaired), or empty
};

struct HeadStats {
  uint64_t num_series = 0;
  uint64_t num_chunks = 0;  // chunks held, open ones included
  uint64_t samples_appended = 0;
  uint64_t out_of_order_samples = 0;   // rejected at Append or dropped at Commit
  uint64_t duplicate_samples = 0;      // same timestamp, different value
  uint64_t out_of_bounds_samples = 0;  // older than the head accepts
  uint64_t series_created = 0;
  uint64_t series_removed = 0;
  uint64_t chunks_created = 0;
  uint64_t chunks_removed = 0;
  int64_t min_time = 0;  // of the samples held; kNoTime values when empty
  int64_t max_time = 0;
  bool empty = true;
};

// Thread-safe: any number of appenders and queriers at once.
class Head final : public storage::Appendable, public storage::Queryable {
 public:
  static constexpr int64_t kNoTime = MemSeries::kNoTime;

  // Opens the head: replays <wal_dir> (the newest checkpoint, then the segments after it,
  // repairing a torn or damaged tail), then writes new records to a fresh segment.
  static Result<std::unique_ptr<Head>> Open(HeadOptions options);
  ~Head() override;
  Head(const Head&) = delete;
  Head& operator=(const Head&) = delete;

  // A new batch (HeadAppender). Append validates against committed samples; Commit writes
  // the batch to the WAL (series records for series not yet logged, then one samples
  // record), then stores it; only then do queries see it.
  std::unique_ptr<storage::Appender> NewAppender() override;
  // A querier over [mint_ms, maxt_ms] (HeadQuerier), registered in readers() until it and
  // its series sets are gone. The head must outlive it.
  Result<std::unique_ptr<storage::Querier>> NewQuerier(int64_t mint_ms, int64_t maxt_ms) override;

  // The queriers open on the head. TruncateMemory does not wait for them: a caller that
  // published the range it drops elsewhere waits for those that may not see it there.
  const HeadReaders& readers() const { return readers_; }

  // TruncateMemory, then TruncateWal.
  Status Truncate(int64_t mint);
  // Drops the chunks entirely older than mint, removes series left without chunks (not in
  // use by an appender or querier), and refuses samples older than mint from now on.
  void TruncateMemory(int64_t mint);
  // Checkpoints the older two thirds of the WAL segments (keeping series still in the head
  // and samples >= mint), deleting the segments and checkpoints it covers. Done once after
  // several TruncateMemory calls, as Prometheus does after a head compaction.
  Status TruncateWal(int64_t mint);

  // The series with chunks overlapping [mint, maxt], sorted by labels: what a block of that
  // range is written from, one series at a time (see SeriesChunks).
  std::vector<SeriesPtr> SeriesInRange(int64_t mint, int64_t maxt) const;
  // Appends to *out the chunks of `series` overlapping [mint, maxt], oldest first (the open
  // chunk copied). Chunks are cut at multiples of chunk_range, so for a range aligned to it
  // they lie entirely inside.
  void SeriesChunks(const MemSeries& series, int64_t mint, int64_t maxt,
                    std::vector<HeadChunkPtr>* out) const;

  // Drops the samples of the series matching `matchers` within [mint, maxt] (re-encoding
  // their chunks) and logs a tombstones record so that a WAL replay drops them too.
  Status Delete(int64_t mint, int64_t maxt, std::span<const Matcher> matchers);

  HeadStats Stats() const;
  // Top-10 cardinality lists for /api/v1/status/tsdb.
  index::PostingsStats CardinalityStats() const { return postings_.Stats(10); }
  const HeadReplayStats& replay_stats() const { return replay_; }
  // The WAL's counters; nullopt when the head has no WAL.
  std::optional<wal::WalStats> WalStats() const;
  // Bytes used by series, chunks, maps and the postings index (own accounting; interned
  // strings are counted by the SymbolTable, not here).
  size_t MemoryBytes() const;

  int64_t MinTime() const { return min_time_.load(std::memory_order_acquire); }
  int64_t MaxTime() const { return max_time_.load(std::memory_order_acquire); }
  int64_t chunk_range() const { return options_.chunk_range_ms; }
  // Samples older than this are refused (kOutOfBounds).
  int64_t MinValidTime() const { return min_valid_time_.load(std::memory_order_acquire); }

  // Flushes and closes the WAL; later commits fail.
  Status Close();

  // For the appender and querier (head_appender.cc, head_querier.cc).
  std::mutex& SeriesLock(uint64_t ref) const { return series_locks_[ref & stripe_mask_].mu; }
  SeriesMap& series() { return series_; }
  const index::PostingsIndex& postings() const { return postings_; }
  SeriesPtr GetOrCreate(const Labels& labels, bool* created);
  // The lowest time an appender created now accepts: Prometheus's appendableMinValidTime.
  int64_t AppendableMinValidTime() const;
  // Sets min and max time to t when the head holds no sample yet.
  void InitTime(int64_t t);
  void UpdateTimes(int64_t mint, int64_t maxt);
  // Writes the records of one batch: series records for the batch's series not logged yet,
  // then the samples record. *ticket gets the batch's place in WAL order (0: no WAL), which
  // the caller must pass to ApplyTurn, even when LogBatch fails after assigning it.
  Status LogBatch(std::span<MemSeries* const> batch_series, const std::string& samples_rec,
                  uint64_t* ticket);
  // Held while a logged batch is applied to memory: batches are applied in the order they
  // are in the WAL, so that what queries see is what a replay rebuilds (two batches of one
  // series from two appenders would otherwise keep different samples in memory and after a
  // restart). Logging of later batches goes on meanwhile.
  class ApplyTurn {
   public:
    ApplyTurn(Head* head, uint64_t ticket);  // waits for the batches before `ticket`
    ~ApplyTurn();
    ApplyTurn(const ApplyTurn&) = delete;
    ApplyTurn& operator=(const ApplyTurn&) = delete;

   private:
    Head* const head_;
    const uint64_t ticket_;
  };

  struct Counters {
    std::atomic<uint64_t> samples_appended{0}, out_of_order{0}, duplicates{0}, out_of_bounds{0},
        series_created{0}, series_removed{0}, chunks_created{0}, chunks_removed{0};
  };
  Counters& counters() { return counters_; }

 private:
  explicit Head(HeadOptions options);
  Status OpenWal();
  Status Replay();
  Status ReplaySegments(bool* damaged);

  struct alignas(64) PaddedMutex {
    std::mutex mu;
  };

  const HeadOptions options_;
  const size_t stripe_mask_;
  std::unique_ptr<PaddedMutex[]> series_locks_;
  SeriesMap series_;
  index::PostingsIndex postings_;
  std::atomic<uint64_t> next_ref_{1};
  std::atomic<int64_t> min_time_{std::numeric_limits<int64_t>::max()};
  std::atomic<int64_t> max_time_{kNoTime};
  std::atomic<int64_t> min_valid_time_{kNoTime};
  Counters counters_;
  HeadReplayStats replay_;
  HeadReaders readers_;

  std::mutex wal_mu_;         // orders series records before the samples that use them
  uint64_t next_ticket_ = 1;  // requires wal_mu_
  std::mutex apply_mu_;
  std::condition_variable apply_cv_;
  uint64_t applied_ticket_ = 0;  // requires apply_mu_
  std::unique_ptr<wal::Wal> wal_;
  std::string series_buf_;  // requires wal_mu_
  std::mutex truncate_mu_;
  // Series removed by GC whose records may still be needed by segments after the next
  // checkpoint: ref -> WAL segment current when they were removed. Requires truncate_mu_.
  std::unordered_map<uint64_t, int> deleted_;
};

}  // namespace tsdbd::tsdb
