// Reads the records of a sequence of WAL segments, checking every fragment.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/model/result.h"
#include "lib/tsdb/fs/file.h"
#include "lib/tsdb/wal/segments.h"

namespace tsdbd::tsdb::wal {

// Where and why a segment stops holding valid records. Everything before `valid_end` in
// the segment is whole records; the bytes from there on are what a repair drops.
struct Corruption {
  int segment = 0;        // segment index
  std::string path;       // segment file
  int64_t valid_end = 0;  // end of the last whole record in that segment
  int64_t offset = 0;     // where the damage was detected
  std::string reason;
  bool unsupported = false;  // a valid record we can't read (e.g. zstd): never repair this
};

std::string FormatCorruption(const Corruption& c);

// Iterates records over segments in the given order (a record never spans two). Not
// thread-safe. Segments are read sequentially with pread (1 MiB at a time), never mmap'd.
class Reader {
 public:
  explicit Reader(std::vector<SegmentRef> segments);
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // Moves to the next record. false at the end of the last segment, or on damage or an I/O
  // error: then corruption() or status() says which.
  bool Next();
  // The current record, decompressed; valid until the next call to Next().
  std::string_view record() const { return record_; }
  // Segment index of the current record and the offset just past its last fragment.
  int segment() const { return segment_index_; }
  // Where the current record's segment is in the list the reader was given (indices alone may
  // repeat: a checkpoint's segments count from 0 again).
  size_t segment_position() const { return next_segment_ - 1; }
  int64_t offset() const { return valid_end_; }

  // Set when Next() stopped at damaged data (CRC mismatch, torn fragment, bad type...).
  const std::optional<Corruption>& corruption() const { return corruption_; }
  // Not ok when Next() stopped on an I/O error (not damage) or on damage (then the
  // message is FormatCorruption(*corruption())).
  const Status& status() const { return status_; }

 private:
  bool OpenNextSegment();
  // Points page_ at the page starting at page_start_, reading the next span of the file when
  // it is not in buf_; false at the end of the file.
  bool LoadPage();
  bool Fail(int64_t offset, std::string reason, bool unsupported = false);
  // Sets record_ to the snappy-decompressed `data`; false when that fails.
  bool Decompress(std::string_view data, int64_t frag_off);

  std::vector<SegmentRef> segments_;
  size_t next_segment_ = 0;
  int segment_index_ = -1;
  tsdb::fs::File file_;
  int64_t file_size_ = 0;

  // Pages are read kReadSize at a time (a multiple of the page size) into buf_.
  static constexpr size_t kReadSize = size_t{1} << 20;
  std::unique_ptr<char[]> buf_;
  int64_t buf_start_ = 0;  // file offset of buf_
  size_t buf_len_ = 0;     // bytes of buf_ read

  std::string_view page_;   // current page, in buf_ (shorter than a page only at EOF)
  int64_t page_start_ = 0;  // file offset of page_
  size_t pos_ = 0;          // next byte in page_
  bool page_loaded_ = false;

  int64_t valid_end_ = 0;  // offset just past the last whole record of this segment
  std::string fragments_;  // data of the record being assembled
  // The last whole record: in buf_ (an uncompressed record of one fragment), fragments_ or
  // decompressed_.
  std::string_view record_;
  std::unique_ptr<char[]> decompressed_;
  size_t decompressed_capacity_ = 0;
  std::optional<Corruption> corruption_;
  Status status_;
};

}  // namespace tsdbd::tsdb::wal
