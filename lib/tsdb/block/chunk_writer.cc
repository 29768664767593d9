#include "lib/tsdb/block/chunk_writer.h"

#include <fcntl.h>

#include <cstdio>
#include <filesystem>
#include <system_error>

#include "lib/tsdb/chunkenc/varint.h"
#include "lib/tsdb/crc32c.h"

namespace tsdbd::tsdb::block {
namespace {

// Segments are written through a buffer of this size (chunks are ~100-200 bytes).
constexpr size_t kBufferBytes = 1 << 20;

std::string SegmentName(uint32_t sequence) {
  char name[16];
  std::snprintf(name, sizeof name, "%06u", sequence);
  return name;
}

void PutBigEndian32(std::string& out, uint32_t v) {
  const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                     static_cast<char>(v >> 8), static_cast<char>(v)};
  out.append(b, 4);
}

}  // namespace

ChunkWriter::ChunkWriter(std::string dir, uint64_t segment_bytes)
    : dir_(std::move(dir)), segment_bytes_(segment_bytes) {}

ChunkWriter::~ChunkWriter() = default;

Result<std::unique_ptr<ChunkWriter>> ChunkWriter::Create(const std::string& chunks_dir,
                                                         uint64_t segment_bytes) {
  std::error_code ec;
  std::filesystem::create_directories(chunks_dir, ec);
  if (ec) return Error("create " + chunks_dir + ": " + ec.message());
  if (std::filesystem::exists(chunks_dir + "/" + SegmentName(1), ec)) {
    return Error("create chunk writer: " + chunks_dir + " already holds chunk segments");
  }
  if (segment_bytes <= kChunksHeaderSize) {
    return Error("create chunk writer: segment size " + std::to_string(segment_bytes) +
                 " leaves no room for chunks");
  }
  return std::unique_ptr<ChunkWriter>(new ChunkWriter(chunks_dir, segment_bytes));
}

Status ChunkWriter::FlushBuffer() {
  if (buffer_.empty()) return Status::Ok();
  const int64_t offset = static_cast<int64_t>(segment_size_ - buffer_.size());
  Status s = segment_.WriteAt(buffer_, offset);
  buffer_.clear();
  return s;
}

Status ChunkWriter::FinishSegment() {
  if (!segment_.is_open()) return Status::Ok();
  if (Status s = FlushBuffer(); !s.ok()) return s;
  if (Status s = segment_.Sync(); !s.ok()) return s;
  return segment_.Close();
}

Status ChunkWriter::CutSegment() {
  if (Status s = FinishSegment(); !s.ok()) return s;
  ++sequence_;
  auto f = fs::File::Open(dir_ + "/" + SegmentName(sequence_), O_WRONLY | O_CREAT | O_EXCL);
  if (!f.ok()) return f.error();
  segment_ = std::move(f).value();
  buffer_.reserve(kBufferBytes);
  PutBigEndian32(buffer_, kChunksMagic);
  buffer_.push_back(static_cast<char>(kChunksFormatV1));
  buffer_.append(3, '\0');
  segment_size_ = kChunksHeaderSize;
  bytes_written_ += kChunksHeaderSize;
  return Status::Ok();
}

Result<uint64_t> ChunkWriter::Write(uint8_t encoding, std::span<const uint8_t> data) {
  const ChunkData chunk{encoding, data};
  uint64_t ref = 0;
  if (Status s = WriteBatch({&chunk, 1}, &ref); !s.ok()) return Error(s.message());
  return ref;
}

Status ChunkWriter::WriteBatch(std::span<const ChunkData> chunks, uint64_t* refs) {
  if (closed_) return Error("write chunk: writer for " + dir_ + " is closed");
  if (failed_) return Error("write chunk: an earlier write to " + dir_ + " failed");
  // The estimate counts 5 bytes for a chunk count and for every length (their most as
  // 32-bit uvarints), whatever their real size.
  uint64_t estimate = 5;
  for (const ChunkData& c : chunks) estimate += 5 + 1 + c.data.size() + 4;
  if (!segment_.is_open() || segment_size_ > segment_bytes_ ||
      (segment_size_ + estimate > segment_bytes_ && estimate <= segment_bytes_)) {
    if (Status s = CutSegment(); !s.ok()) {
      failed_ = true;
      return Error("write chunk: " + s.message());
    }
  }
  for (size_t i = 0; i < chunks.size(); ++i) {
    const std::span<const uint8_t> data = chunks[i].data;
    const uint8_t encoding = chunks[i].encoding;
    uint8_t len[chunkenc::kMaxVarintLen64];
    const size_t len_size = chunkenc::PutUvarint(len, data.size());
    const uint64_t total = len_size + 1 + data.size() + 4;
    if (segment_size_ > UINT32_MAX) {  // the ref's offset has 32 bits
      failed_ = true;
      return Error("write chunk: segment " + SegmentName(sequence_) + " passed 4 GiB");
    }
    refs[i] = (static_cast<uint64_t>(sequence_ - 1) << 32) | segment_size_;
    buffer_.append(reinterpret_cast<const char*>(len), len_size);
    buffer_.push_back(static_cast<char>(encoding));
    uint32_t crc = Crc32cExtend(0, &encoding, 1);
    crc = Crc32cExtend(crc, data.data(), data.size());
    buffer_.append(reinterpret_cast<const char*>(data.data()), data.size());
    PutBigEndian32(buffer_, crc);
    segment_size_ += total;
    bytes_written_ += total;
    if (buffer_.size() >= kBufferBytes) {
      if (Status s = FlushBuffer(); !s.ok()) {
        failed_ = true;
        return Error("write chunk: " + s.message());
      }
    }
  }
  return Status::Ok();
}

Status ChunkWriter::Close() {
  if (closed_) return Status::Ok();
  closed_ = true;
  if (failed_) return Error("close chunk writer: an earlier write to " + dir_ + " failed");
  // A block without chunks has an empty chunks directory.
  if (Status s = FinishSegment(); !s.ok()) return s;
  return fs::SyncDir(dir_);
}

}  // namespace tsdbd::tsdb::block
