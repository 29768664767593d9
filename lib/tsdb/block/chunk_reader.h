// Reads a block's chunk segment files (see chunk_writer.h for the format).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "lib/model/result.h"

namespace tsdbd::tsdb::block {

// Thread-safe once opened. Segment files are mapped read-only (never writable) with
// MADV_RANDOM: measured against pread per chunk (bench/tsdb/block_chunks_bench.cc), random
// reads from the page cache cost less than half the CPU, and cold reads are at parity once
// readahead is off. Blocks are immutable; a segment truncated under a live reader (which
// nothing in tsdbd does) would fault with SIGBUS, as with Prometheus.
class ChunkReader {
 public:
  // Opens every segment in `chunks_dir` (names are 6-digit sequence numbers from 000001, no
  // gaps) and checks their headers. Error for a missing directory, a gap, a bad magic or
  // version, or a segment too short for its header.
  static Result<std::unique_ptr<ChunkReader>> Open(const std::string& chunks_dir);
  ChunkReader(const ChunkReader&) = delete;
  ChunkReader& operator=(const ChunkReader&) = delete;
  ~ChunkReader();

  // The data of chunk `ref` (without length, encoding and CRC); valid while the reader
  // lives. Stores the encoding byte in *encoding if given. Error for a bad ref, a chunk
  // that runs past its segment's end, or a CRC mismatch.
  Result<std::span<const uint8_t>> Chunk(uint64_t ref, uint8_t* encoding = nullptr) const;

  // Bytes of all segments.
  uint64_t size() const { return size_; }
  size_t num_segments() const { return segments_.size(); }

 private:
  struct Segment {
    std::string path;
    const uint8_t* data = nullptr;
    size_t size = 0;
  };
  ChunkReader() = default;

  std::vector<Segment> segments_;
  uint64_t size_ = 0;
};

}  // namespace tsdbd::tsdb::block
