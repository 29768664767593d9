// A WAL Reader run on its own thread a few records ahead of its caller, so that reading,
// checking and decompressing the segments overlaps with what the caller does with each
// record (the head's replay: decoding records and handing out their samples). Records the
// caller has no use for can be dropped on that thread, so that they neither wait behind nor
// hold up the ones before them.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "lib/tsdb/wal/reader.h"

namespace tsdbd::tsdb::wal {

// Yields the records Reader would, in the same order, but for those `skip` is true for.
// Not thread-safe (one caller).
class ReadAheadReader {
 public:
  // Whether to drop a record (decompressed); called on the reading thread.
  using SkipFn = std::function<bool(std::string_view record)>;

  // Starts reading `segments` at once.
  explicit ReadAheadReader(std::vector<SegmentRef> segments, SkipFn skip = nullptr);
  // Stops the reading thread, whether or not the records were all taken.
  ~ReadAheadReader();
  ReadAheadReader(const ReadAheadReader&) = delete;
  ReadAheadReader& operator=(const ReadAheadReader&) = delete;

  // As Reader::Next: false at the end, or where the reader stopped on damage or an error.
  bool Next();
  // The current record; valid until the next call to Next().
  std::string_view record() const { return current_.bytes; }
  // Segment index of the current record, and as Reader::segment_position.
  int segment() const { return current_.segment; }
  size_t segment_position() const { return current_.position; }
  // As Reader's, once Next() returned false.
  const std::optional<Corruption>& corruption() const { return reader_.corruption(); }
  const Status& status() const { return reader_.status(); }

 private:
  struct Record {
    std::string bytes;
    int segment = -1;
    size_t position = 0;
  };
  void Run();

  // Records read but not taken, at most this many (a record is at most a few MiB).
  static constexpr size_t kMaxAhead = 16;

  Reader reader_;  // used by the thread until done_
  const SkipFn skip_;
  std::mutex mu_;
  std::condition_variable cv_;  // a record queued, one taken, done_ or stop_
  std::deque<Record> ready_;    // requires mu_
  std::vector<Record> spare_;   // taken records, kept for their capacity; requires mu_
  bool done_ = false;           // the reader has stopped; requires mu_
  bool stop_ = false;           // requires mu_
  Record current_;
  std::thread thread_;
};

}  // namespace tsdbd::tsdb::wal
