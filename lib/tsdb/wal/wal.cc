#include "lib/tsdb/wal/wal.h"

#include <fcntl.h>
#include <snappy.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <utility>
#include <vector>

#include "fmt/format.h"
#include "lib/tsdb/crc32c.h"
#include "lib/tsdb/wal/repair.h"
#include "lib/tsdb/wal/segments.h"
#include "spdlog/spdlog.h"

namespace tsdbd::tsdb::wal {
namespace fs = std::filesystem;

Wal::Wal(std::string dir, WalOptions options)
    : dir_(std::move(dir)),
      options_(options),
      pages_per_segment_(options.segment_size / static_cast<int64_t>(kPageSize)),
      page_(new char[kPageSize]()) {}

Wal::~Wal() {
  Close();
}

Result<std::unique_ptr<Wal>> Wal::Open(const std::string& dir, WalOptions options) {
  if (options.segment_size < static_cast<int64_t>(kPageSize) ||
      options.segment_size % static_cast<int64_t>(kPageSize) != 0) {
    return Error(fmt::format("WAL segment size {} is not a positive multiple of {}",
                             options.segment_size, kPageSize));
  }
  std::error_code ec;
  const bool created = fs::create_directories(dir, ec);
  if (ec) return Error("create WAL directory " + dir + ": " + ec.message());
  if (created) {
    std::string parent = fs::path(dir).lexically_normal().parent_path().string();
    if (Status s = tsdb::fs::SyncDir(parent.empty() ? "." : parent); !s.ok())
      return Error(s.message());
  }
  if (options.repair_tail) {
    auto damage = RepairTail(dir);
    if (!damage.ok()) return damage.error();
  }
  auto segs = ListSegments(dir);
  if (!segs.ok()) return segs.error();
  auto last_cp = LastCheckpoint(dir);
  if (!last_cp.ok()) return last_cp.error();
  int next = 0;
  if (!segs->empty()) next = segs->back().index + 1;
  if (*last_cp) next = std::max(next, (*last_cp)->index + 1);

  std::unique_ptr<Wal> wal(new Wal(dir, options));
  std::lock_guard lock(wal->mu_);
  if (Status s = wal->CreateSegment(next); !s.ok()) return Error(s.message());
  return wal;
}

Status Wal::CreateSegment(int index) {
  std::string path = SegmentPath(dir_, index);
  auto f = tsdb::fs::File::Open(path, O_WRONLY | O_CREAT | O_EXCL);
  if (!f.ok()) return f.error();
  // The new name must be durable before records in it are reported durable.
  if (Status s = tsdb::fs::SyncDir(dir_); !s.ok()) return s;
  segment_ = std::make_shared<tsdb::fs::File>(std::move(f).value());
  segment_index_ = index;
  pages_done_ = 0;
  alloc_ = 0;
  flushed_ = 0;
  std::memset(page_.get(), 0, kPageSize);
  return Status::Ok();
}

Status Wal::Broken(Status s) {
  if (error_.ok()) {
    error_ = s;
    ++stats_.writes_failed;
  }
  sync_done_.notify_all();
  return s;
}

Status Wal::FlushPage(bool pad) {
  size_t end = pad ? kPageSize : alloc_;
  if (end > flushed_) {
    int64_t off = pages_done_ * static_cast<int64_t>(kPageSize) + static_cast<int64_t>(flushed_);
    Status s = segment_->WriteAt(std::string_view(page_.get() + flushed_, end - flushed_), off);
    if (!s.ok()) return s;
    flushed_ = end;
    ++stats_.page_flushes;
  }
  if (pad) {
    ++pages_done_;
    ++stats_.completed_pages;
    std::memset(page_.get(), 0, alloc_);
    alloc_ = 0;
    flushed_ = 0;
  }
  return Status::Ok();
}

int64_t Wal::SpaceLeftInSegment() const {
  constexpr int64_t kUsable = static_cast<int64_t>(kPageSize - kFragmentHeaderSize);
  int64_t in_page =
      static_cast<int64_t>(kPageSize - alloc_) - static_cast<int64_t>(kFragmentHeaderSize);
  return std::max<int64_t>(in_page, 0) + (pages_per_segment_ - pages_done_ - 1) * kUsable;
}

Status Wal::NextSegmentLocked() {
  if (alloc_ > 0) {
    if (Status s = FlushPage(true); !s.ok()) return s;
  }
  if (Status s = DataSync(*segment_); !s.ok()) return s;
  // Everything logged so far is in this or earlier (already synced) segments.
  durable_seq_ = logged_seq_;
  if (Status s = segment_->Close(); !s.ok()) return s;
  return CreateSegment(segment_index_ + 1);
}

Status Wal::WriteRecord(std::string_view rec, bool compressed) {
  if (!SegmentEmpty() && static_cast<int64_t>(rec.size()) > SpaceLeftInSegment()) {
    if (Status s = NextSegmentLocked(); !s.ok()) return s;
  }
  bool first = true;
  do {
    if (kPageSize - alloc_ < kFragmentHeaderSize) {
      if (Status s = FlushPage(true); !s.ok()) return s;
    }
    size_t n = std::min(rec.size(), kPageSize - alloc_ - kFragmentHeaderSize);
    bool last = n == rec.size();
    FragmentType type = first && last ? FragmentType::kFull
                        : first       ? FragmentType::kFirst
                        : last        ? FragmentType::kLast
                                      : FragmentType::kMiddle;
    char* h = page_.get() + alloc_;
    h[0] = static_cast<char>(static_cast<uint8_t>(type) | (compressed ? kSnappyFlag : 0));
    h[1] = static_cast<char>(n >> 8);
    h[2] = static_cast<char>(n & 0xFF);
    uint32_t crc = Crc32c(rec.data(), n);
    h[3] = static_cast<char>(crc >> 24);
    h[4] = static_cast<char>((crc >> 16) & 0xFF);
    h[5] = static_cast<char>((crc >> 8) & 0xFF);
    h[6] = static_cast<char>(crc & 0xFF);
    std::memcpy(h + kFragmentHeaderSize, rec.data(), n);
    alloc_ += kFragmentHeaderSize + n;
    rec.remove_prefix(n);
    first = false;
    if (kPageSize - alloc_ < kFragmentHeaderSize) {
      if (Status s = FlushPage(true); !s.ok()) return s;
    }
  } while (!rec.empty());
  return Status::Ok();
}

Result<uint64_t> Wal::Log(std::span<const std::string_view> records) {
  // Compress before taking the lock so that concurrent writers compress in parallel.
  thread_local std::vector<std::string> compressed_bufs;
  thread_local std::vector<std::pair<std::string_view, bool>> prepared;
  prepared.clear();
  if (compressed_bufs.size() < records.size()) compressed_bufs.resize(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    std::string_view rec = records[i];
    bool compressed = false;
    if (options_.compress && !rec.empty()) {
      std::string& buf = compressed_bufs[i];
      buf.resize(snappy::MaxCompressedLength(rec.size()));
      size_t n = 0;
      snappy::RawCompress(rec.data(), rec.size(), buf.data(), &n);
      if (n < rec.size()) {  // keep the smaller form, as Prometheus does
        rec = std::string_view(buf.data(), n);
        compressed = true;
      }
    }
    prepared.emplace_back(rec, compressed);
  }

  std::lock_guard lock(mu_);
  if (closed_) return Error("WAL " + dir_ + " is closed");
  if (!error_.ok()) return Error(error_.message());
  for (const auto& [rec, compressed] : prepared) {
    if (Status s = WriteRecord(rec, compressed); !s.ok()) return Error(Broken(s).message());
    ++logged_seq_;
  }
  if (Status s = FlushPage(false); !s.ok()) return Error(Broken(s).message());
  return logged_seq_;
}

Status Wal::WaitDurable(uint64_t seq) {
  std::unique_lock lock(mu_);
  while (true) {
    if (durable_seq_ >= seq) return Status::Ok();
    if (!error_.ok()) return error_;
    if (closed_) return Error("WAL " + dir_ + " is closed");
    if (!syncing_) break;
    sync_done_.wait(lock);
  }
  syncing_ = true;
  const uint64_t target = logged_seq_;
  std::shared_ptr<tsdb::fs::File> seg = segment_;
  lock.unlock();
  const auto started = std::chrono::steady_clock::now();
  Status s = seg->DataSync();
  lock.lock();
  ++stats_.fsyncs;
  stats_.fsync_seconds +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  syncing_ = false;
  if (s.ok()) {
    durable_seq_ = std::max(durable_seq_, target);
  } else {
    Broken(s);
  }
  sync_done_.notify_all();
  if (!s.ok()) return s;
  return durable_seq_ >= seq ? Status::Ok()
                             : Error("WAL sequence " + std::to_string(seq) + " was never logged");
}

Status Wal::Sync() {
  return WaitDurable(last_sequence());
}

Result<int> Wal::NextSegment() {
  std::lock_guard lock(mu_);
  if (closed_) return Error("WAL " + dir_ + " is closed");
  if (!error_.ok()) return Error(error_.message());
  if (Status s = NextSegmentLocked(); !s.ok()) return Error(Broken(s).message());
  return segment_index_;
}

Status Wal::Truncate(int index) {
  int current;
  {
    std::lock_guard lock(mu_);
    current = segment_index_;
    ++stats_.truncations;
  }
  Status s = TruncateBefore(index, current);
  if (!s.ok()) {
    std::lock_guard lock(mu_);
    ++stats_.truncations_failed;
  }
  return s;
}

Status Wal::TruncateBefore(int index, int current) {
  auto segs = ListSegments(dir_);
  if (!segs.ok()) return segs.error();
  bool removed = false;
  for (const SegmentRef& ref : *segs) {
    if (ref.index >= index || ref.index >= current) break;
    if (::unlink(ref.path.c_str()) != 0) return tsdb::fs::ErrnoError("remove", ref.path);
    removed = true;
  }
  return removed ? tsdb::fs::SyncDir(dir_) : Status::Ok();
}

Status Wal::Close() {
  std::unique_lock lock(mu_);
  if (closed_) return Status::Ok();
  // A running WaitDurable holds its own reference to the segment; let it finish first.
  sync_done_.wait(lock, [this] { return !syncing_; });
  closed_ = true;
  sync_done_.notify_all();
  if (!segment_) return Status::Ok();
  Status s = error_.ok() ? DataSync(*segment_) : Status::Ok();
  if (s.ok()) durable_seq_ = logged_seq_;
  Status c = segment_->Close();
  segment_.reset();
  if (!error_.ok()) return error_;
  return s.ok() ? c : s;
}

Status Wal::DataSync(tsdb::fs::File& segment) {
  const auto started = std::chrono::steady_clock::now();
  Status s = segment.DataSync();
  ++stats_.fsyncs;
  stats_.fsync_seconds +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return s;
}

WalStats Wal::Stats() const {
  std::lock_guard lock(mu_);
  WalStats s = stats_;
  s.current_segment = segment_index_;
  return s;
}

int Wal::current_segment() const {
  std::lock_guard lock(mu_);
  return segment_index_;
}

uint64_t Wal::last_sequence() const {
  std::lock_guard lock(mu_);
  return logged_seq_;
}

}  // namespace tsdbd::tsdb::wal
