// Writes a block's chunk segment files (<block>/chunks/000001, 000002, ...) in the Prometheus
// TSDB v2 format (tsdb/docs/format/chunks.md): each segment starts with magic 0x85BD40DD,
// version 1 and 3 bytes of padding, then holds chunks as
//   uvarint(len(data)) | encoding byte | data | CRC32C(encoding byte + data), big-endian.
// A chunk reference is (segment sequence << 32) | offset of the chunk in that segment, where
// sequence 0 is file 000001: the value a block index stores.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "lib/model/result.h"
#include "lib/tsdb/fs/file.h"

namespace tsdbd::tsdb::block {

inline constexpr uint32_t kChunksMagic = 0x85BD40DD;
inline constexpr uint8_t kChunksFormatV1 = 1;
inline constexpr size_t kChunksHeaderSize = 8;  // magic, version, 3 bytes padding
inline constexpr uint64_t kDefaultSegmentBytes = 512ull << 20;

// Not thread-safe: one writer per block being built.
class ChunkWriter {
 public:
  // Creates `chunks_dir` (and missing parents); fails if it already holds segment files.
  static Result<std::unique_ptr<ChunkWriter>> Create(const std::string& chunks_dir,
                                                     uint64_t segment_bytes = kDefaultSegmentBytes);
  ChunkWriter(const ChunkWriter&) = delete;
  ChunkWriter& operator=(const ChunkWriter&) = delete;
  // Closes without the final fsyncs if Close() was not called (a failed block is discarded).
  ~ChunkWriter();

  // Appends one chunk (encoding 1 = XOR) and returns its reference: WriteBatch of one.
  Result<uint64_t> Write(uint8_t encoding, std::span<const uint8_t> data);

  struct ChunkData {
    uint8_t encoding;
    std::span<const uint8_t> data;
  };
  // Appends chunks (a series' chunks, as Prometheus's compactor writes them) into one
  // segment and stores their references in refs[0..chunks.size()). Cuts a new segment first
  // when a conservative size estimate of the batch would take the current one past
  // segment_bytes, unless the batch alone is bigger than that; the rule Prometheus follows,
  // so that the same batches give byte-identical segments. Error after Close or a failed
  // write (the writer is then unusable).
  Status WriteBatch(std::span<const ChunkData> chunks, uint64_t* refs);

  // Flushes, fsyncs every segment, then the directory; closes. Idempotent.
  Status Close();

  // Bytes of all segments so far, headers included.
  uint64_t bytes_written() const { return bytes_written_; }

 private:
  ChunkWriter(std::string dir, uint64_t segment_bytes);
  Status CutSegment();
  Status FlushBuffer();
  Status FinishSegment();  // flush, fsync and close the current segment

  std::string dir_;
  uint64_t segment_bytes_;
  fs::File segment_;           // current segment, open for writing
  uint32_t sequence_ = 0;      // number of segments cut so far (current = sequence_ - 1)
  uint64_t segment_size_ = 0;  // bytes in the current segment, buffer included
  uint64_t bytes_written_ = 0;
  std::string buffer_;  // not yet written tail of the current segment
  bool closed_ = false;
  bool failed_ = false;
};

}  // namespace tsdbd::tsdb::block
