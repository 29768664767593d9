#include "lib/tsdb/wal/reader.h"

#include <fcntl.h>
#include <snappy.h>

#include <algorithm>
#include <memory>

#include "fmt/format.h"
#include "lib/tsdb/crc32c.h"
#include "lib/tsdb/wal/format.h"

namespace tsdbd::tsdb::wal {
namespace {

// Snappy's header may claim any length; refuse to allocate beyond this for one record.
constexpr size_t kMaxRecordSize = size_t{1} << 31;

bool AllZero(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == 0; });
}

uint32_t BE32(const char* p) {
  auto b = [p](int i) { return static_cast<uint32_t>(static_cast<uint8_t>(p[i])); };
  return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

}  // namespace

std::string FormatCorruption(const Corruption& c) {
  return fmt::format("WAL segment {} damaged at offset {} ({}); whole records end at {}", c.path,
                     c.offset, c.reason, c.valid_end);
}

Reader::Reader(std::vector<SegmentRef> segments) : segments_(std::move(segments)) {}

bool Reader::Fail(int64_t offset, std::string reason, bool unsupported) {
  corruption_ =
      Corruption{segment_index_, file_.path(), valid_end_, offset, std::move(reason), unsupported};
  status_ = Error(FormatCorruption(*corruption_));
  return false;
}

bool Reader::OpenNextSegment() {
  const SegmentRef& ref = segments_[next_segment_++];
  auto f = tsdb::fs::File::Open(ref.path, O_RDONLY);
  if (!f.ok()) {
    status_ = f.error();
    return false;
  }
  auto size = f->Size();
  if (!size.ok()) {
    status_ = size.error();
    return false;
  }
  file_ = std::move(f).value();
  file_size_ = *size;
  segment_index_ = ref.index;
  buf_start_ = 0;
  buf_len_ = 0;
  page_start_ = 0;
  pos_ = 0;
  page_loaded_ = false;
  valid_end_ = 0;
  return true;
}

bool Reader::LoadPage() {
  if (page_start_ >= file_size_) return false;
  const size_t want = static_cast<size_t>(std::min<int64_t>(kPageSize, file_size_ - page_start_));
  if (page_start_ < buf_start_ ||
      page_start_ + static_cast<int64_t>(want) > buf_start_ + static_cast<int64_t>(buf_len_)) {
    if (!buf_) buf_ = std::make_unique<char[]>(kReadSize);
    const size_t n = static_cast<size_t>(std::min<int64_t>(kReadSize, file_size_ - page_start_));
    auto got = file_.ReadAt(buf_.get(), n, page_start_);
    if (!got.ok()) {
      status_ = got.error();
      return false;
    }
    buf_start_ = page_start_;
    buf_len_ = *got;  // the file may have shrunk under us: treat as EOF
  }
  const size_t at = static_cast<size_t>(page_start_ - buf_start_);
  page_ = std::string_view(buf_.get() + at, std::min(want, buf_len_ - at));
  if (page_.empty()) return false;
  pos_ = 0;
  page_loaded_ = true;
  return true;
}

bool Reader::Decompress(std::string_view data, int64_t frag_off) {
  size_t n = 0;
  if (!snappy::GetUncompressedLength(data.data(), data.size(), &n) || n > kMaxRecordSize) {
    return Fail(frag_off, "bad snappy header");
  }
  if (n > decompressed_capacity_) {
    decompressed_capacity_ = std::max(n, 2 * decompressed_capacity_);
    decompressed_ = std::make_unique_for_overwrite<char[]>(decompressed_capacity_);
  }
  if (!snappy::RawUncompress(data.data(), data.size(), decompressed_.get())) {
    return Fail(frag_off, "snappy decompression failed");
  }
  record_ = std::string_view(decompressed_.get(), n);
  return true;
}

bool Reader::Next() {
  if (corruption_ || !status_.ok()) return false;
  bool in_record = false;
  bool compressed = false;
  fragments_.clear();
  while (true) {
    if (!file_.is_open()) {
      if (next_segment_ >= segments_.size()) return false;
      if (!OpenNextSegment()) return false;
      continue;
    }
    if (!page_loaded_) {
      if (!LoadPage()) {
        if (!status_.ok()) return false;
        if (in_record) return Fail(file_size_, "segment ends inside a record");
        file_.Close();
        continue;
      }
    }
    if (pos_ >= page_.size()) {
      page_start_ += static_cast<int64_t>(kPageSize);
      page_loaded_ = false;
      continue;
    }
    const int64_t frag_off = page_start_ + static_cast<int64_t>(pos_);
    const uint8_t tbyte = static_cast<uint8_t>(page_[pos_]);
    if (kPageSize - pos_ < kFragmentHeaderSize || tbyte == 0) {
      if (!AllZero(page_.substr(pos_))) {
        return Fail(frag_off, "non-zero bytes in page padding");
      }
      pos_ = page_.size();
      continue;
    }
    if (tbyte & ~(kFragmentTypeMask | kSnappyFlag | kZstdFlag)) {
      return Fail(frag_off, fmt::format("unknown fragment flags {:#04x}", tbyte));
    }
    const auto type = static_cast<FragmentType>(tbyte & kFragmentTypeMask);
    if (type > FragmentType::kLast) {
      return Fail(frag_off, fmt::format("invalid fragment type {}", tbyte & kFragmentTypeMask));
    }
    const size_t avail = page_.size() - pos_;
    if (avail < kFragmentHeaderSize) return Fail(frag_off, "truncated fragment header");
    const char* h = page_.data() + pos_;
    const size_t len =
        (static_cast<size_t>(static_cast<uint8_t>(h[1])) << 8) | static_cast<uint8_t>(h[2]);
    const uint32_t crc = BE32(h + 3);
    if (kFragmentHeaderSize + len > kPageSize - pos_) {
      return Fail(frag_off, fmt::format("fragment length {} exceeds the page", len));
    }
    if (kFragmentHeaderSize + len > avail) return Fail(frag_off, "truncated fragment");
    std::string_view data(h + kFragmentHeaderSize, len);
    if (Crc32c(data) != crc) return Fail(frag_off, "fragment checksum mismatch");
    // Checked after the CRC so that a flipped bit reads as damage, not as a newer format.
    if (tbyte & kZstdFlag) return Fail(frag_off, "zstd-compressed record (unsupported)", true);

    const bool starts = type == FragmentType::kFull || type == FragmentType::kFirst;
    if (starts == in_record) {
      return Fail(frag_off, in_record ? "record start inside a record"
                                      : "continuation fragment without a record start");
    }
    pos_ += kFragmentHeaderSize + len;
    if (type == FragmentType::kFirst) {
      in_record = true;
      compressed = tbyte & kSnappyFlag;
      fragments_.assign(data);
      continue;
    }
    if (type == FragmentType::kMiddle) {
      fragments_.append(data);
      continue;
    }
    std::string_view whole = data;
    if (type == FragmentType::kLast) {
      fragments_.append(data);
      whole = fragments_;
    } else {
      compressed = tbyte & kSnappyFlag;
    }
    if (compressed) {
      if (!Decompress(whole, frag_off)) return false;
    } else {
      record_ = whole;
    }
    valid_end_ = page_start_ + static_cast<int64_t>(pos_);
    return true;
  }
}

}  // namespace tsdbd::tsdb::wal
