// The WAL writer: appends records to numbered segment files in a directory, in Prometheus
// 2.42's format, and makes them durable with group-committed fdatasync.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "lib/model/result.h"
#include "lib/tsdb/fs/file.h"
#include "lib/tsdb/wal/format.h"

namespace tsdbd::tsdb::wal {

struct WalOptions {
  // Bytes per segment: a multiple of the 32 KiB page size. A record bigger than a whole
  // segment goes alone into a segment that grows past this size.
  int64_t segment_size = kDefaultSegmentSize;
  // Snappy-compress each record (kept only when smaller), as Prometheus does by default.
  bool compress = true;
  // On Open, check the last segment and truncate a torn tail (see repair.h).
  bool repair_tail = true;
};

// What the WAL did, for the prometheus_tsdb_wal_* metrics. Counts since Open.
struct WalStats {
  uint64_t page_flushes = 0;     // writes of (part of) a page to its segment
  uint64_t completed_pages = 0;  // pages finished (full or padded)
  uint64_t fsyncs = 0;           // fdatasync calls
  double fsync_seconds = 0;      // their total duration
  uint64_t writes_failed = 0;    // I/O errors that broke the WAL
  uint64_t truncations = 0;      // Truncate calls
  uint64_t truncations_failed = 0;
  int current_segment = -1;
};

// Thread-safe. Records are written to the kernel before Log returns (they survive a crash
// of the process) and are durable (survive a crash of the machine) once WaitDurable returns.
class Wal {
 public:
  // Opens (creating if needed) the WAL directory `dir` and starts a new segment after the
  // last existing segment or checkpoint; existing segments are never appended to.
  static Result<std::unique_ptr<Wal>> Open(const std::string& dir, WalOptions options = {});
  ~Wal();  // Close()s, ignoring errors.
  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;

  // Appends the records, in order, as one batch. Returns the sequence number of the last of
  // them (sequence numbers count records, from 1), to pass to WaitDurable. After an I/O
  // error every later call fails: reopen the WAL (which repairs what was half written).
  Result<uint64_t> Log(std::span<const std::string_view> records);
  Result<uint64_t> Log(std::initializer_list<std::string_view> records) {
    return Log(std::span<const std::string_view>(records.begin(), records.size()));
  }

  // Returns once every record up to `seq` is on stable storage. Concurrent callers share
  // one fdatasync (group commit): a caller that finds a sync running waits for it and then
  // syncs again only if its records came after that sync started.
  Status WaitDurable(uint64_t seq);
  // Makes everything logged so far durable.
  Status Sync();

  // Ends the current segment (zero-pads its last page, fsyncs it) and starts the next.
  // Returns the new segment's index.
  Result<int> NextSegment();

  // Deletes the segments with index < `index` (after a checkpoint). Never the current one.
  Status Truncate(int index);

  // Pads nothing; fsyncs and closes the current segment. Later calls fail.
  Status Close();

  WalStats Stats() const;

  const std::string& dir() const { return dir_; }
  int current_segment() const;
  uint64_t last_sequence() const;

 private:
  Wal(std::string dir, WalOptions options);
  Status CreateSegment(int index);                            // requires mu_
  Status NextSegmentLocked();                                 // requires mu_
  Status WriteRecord(std::string_view rec, bool compressed);  // requires mu_
  Status FlushPage(bool pad);                                 // requires mu_
  Status DataSync(tsdb::fs::File& segment);                   // timed; requires mu_
  Status TruncateBefore(int index, int current);              // the work of Truncate; no lock held
  Status Broken(Status s);             // records a sticky error; requires mu_
  int64_t SpaceLeftInSegment() const;  // requires mu_
  bool SegmentEmpty() const { return pages_done_ == 0 && alloc_ == 0; }

  const std::string dir_;
  const WalOptions options_;
  const int64_t pages_per_segment_;

  mutable std::mutex mu_;
  std::condition_variable sync_done_;
  std::shared_ptr<tsdb::fs::File> segment_;  // shared with a WaitDurable running without mu_
  int segment_index_ = -1;
  int64_t pages_done_ = 0;        // full pages written to the current segment
  std::unique_ptr<char[]> page_;  // the current page; bytes past alloc_ are zero
  size_t alloc_ = 0;              // bytes of page_ in use
  size_t flushed_ = 0;            // bytes of page_ already written to the file
  uint64_t logged_seq_ = 0;       // records handed to the kernel
  uint64_t durable_seq_ = 0;      // records known to be on stable storage
  bool syncing_ = false;          // a WaitDurable is in fdatasync
  Status error_;                  // sticky write / sync failure
  bool closed_ = false;
  WalStats stats_;  // requires mu_ (current_segment filled in by Stats)
};

}  // namespace tsdbd::tsdb::wal
