#include "lib/tsdb/block/chunk_reader.h"

#include <fcntl.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "lib/tsdb/block/chunk_writer.h"
#include "lib/tsdb/crc32c.h"
#include "lib/tsdb/fs/file.h"

namespace tsdbd::tsdb::block {
namespace {

uint32_t LoadBigEndian32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

// Parses a segment file name: exactly digits, value >= 1. Returns 0 otherwise.
uint32_t SegmentSequence(const std::string& name) {
  if (name.empty() || name.size() > 9) return 0;
  uint32_t v = 0;
  for (char c : name) {
    if (c < '0' || c > '9') return 0;
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  return v;
}

std::string RefString(uint64_t ref) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%u:%u", static_cast<unsigned>(ref >> 32),
                static_cast<unsigned>(ref & 0xffffffffu));
  return buf;
}

}  // namespace

ChunkReader::~ChunkReader() {
  for (const Segment& s : segments_) {
    if (s.data != nullptr) ::munmap(const_cast<uint8_t*>(s.data), s.size);
  }
}

Result<std::unique_ptr<ChunkReader>> ChunkReader::Open(const std::string& chunks_dir) {
  std::vector<std::pair<uint32_t, std::string>> files;
  std::error_code ec;
  std::filesystem::directory_iterator it(chunks_dir, ec), end;
  if (ec) return Error("open chunks " + chunks_dir + ": " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) return Error("list chunks " + chunks_dir + ": " + ec.message());
    const std::string name = it->path().filename().string();
    const uint32_t seq = SegmentSequence(name);
    if (seq == 0) continue;  // not a segment (e.g. a leftover .tmp)
    files.emplace_back(seq, it->path().string());
  }
  std::sort(files.begin(), files.end());

  std::unique_ptr<ChunkReader> r(new ChunkReader());
  r->segments_.reserve(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    const auto& [seq, path] = files[i];
    if (seq != i + 1) {
      return Error("open chunks " + chunks_dir + ": segment " + std::to_string(i + 1) +
                   " is missing");
    }
    auto f = fs::File::Open(path, O_RDONLY);
    if (!f.ok()) return f.error();
    auto size = f->Size();
    if (!size.ok()) return size.error();
    if (static_cast<uint64_t>(*size) < kChunksHeaderSize) {
      return Error("chunk segment " + path + ": " + std::to_string(*size) +
                   " bytes are too few for its header");
    }
    Segment seg;
    seg.path = path;
    seg.size = static_cast<size_t>(*size);
    void* p = ::mmap(nullptr, seg.size, PROT_READ, MAP_SHARED, f->fd(), 0);
    if (p == MAP_FAILED) return fs::ErrnoError("mmap", path);
    seg.data = static_cast<const uint8_t*>(p);
    // Queries read chunks at random offsets: readahead around a fault would mostly fetch
    // pages nobody asked for (see bench/tsdb/block_chunks_bench.cc, cold reads).
    ::madvise(p, seg.size, MADV_RANDOM);
    r->segments_.push_back(seg);  // owned by r from here on: unmapped by its destructor
    r->size_ += seg.size;
    if (LoadBigEndian32(seg.data) != kChunksMagic) {
      return Error("chunk segment " + path + ": bad magic number");
    }
    if (seg.data[4] != kChunksFormatV1) {
      return Error("chunk segment " + path + ": unsupported format version " +
                   std::to_string(seg.data[4]));
    }
  }
  return r;
}

Result<std::span<const uint8_t>> ChunkReader::Chunk(uint64_t ref, uint8_t* encoding) const {
  const uint64_t seq = ref >> 32;
  const uint64_t offset = ref & 0xffffffffu;
  if (seq >= segments_.size()) {
    return Error("chunk " + RefString(ref) + ": no segment " + std::to_string(seq + 1) + " (have " +
                 std::to_string(segments_.size()) + ")");
  }
  const Segment& s = segments_[seq];
  if (offset < kChunksHeaderSize || offset >= s.size) {
    return Error("chunk " + RefString(ref) + ": offset outside " + s.path + " (" +
                 std::to_string(s.size) + " bytes)");
  }
  // uvarint length, at most 5 bytes for a 32-bit length.
  uint64_t len = 0;
  size_t pos = offset;
  for (int shift = 0;; shift += 7) {
    if (pos >= s.size) return Error("chunk " + RefString(ref) + ": truncated length in " + s.path);
    if (shift > 28) return Error("chunk " + RefString(ref) + ": bad length in " + s.path);
    const uint8_t b = s.data[pos++];
    len |= uint64_t{b & 0x7fu} << shift;
    if (b < 0x80) break;
  }
  // encoding byte + data + CRC must fit.
  if (s.size - pos < 1 + 4 || s.size - pos - 5 < len) {
    return Error("chunk " + RefString(ref) + ": " + std::to_string(len) +
                 " bytes of data run past the end of " + s.path);
  }
  const uint8_t* enc = s.data + pos;
  const uint32_t want = LoadBigEndian32(enc + 1 + len);
  const uint32_t got = Crc32c(enc, 1 + len);
  if (want != got) {
    return Error("chunk " + RefString(ref) + ": checksum mismatch in " + s.path);
  }
  if (encoding != nullptr) *encoding = *enc;
  return std::span<const uint8_t>(enc + 1, len);
}

}  // namespace tsdbd::tsdb::block
