#include "lib/tsdb/wal/repair.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "spdlog/spdlog.h"

namespace tsdbd::tsdb::wal {
namespace {

Result<std::optional<Corruption>> ScanAndRepairFrom(const std::string& dir, size_t keep_last) {
  auto segs = ListSegments(dir);
  if (!segs.ok()) return segs.error();
  std::vector<SegmentRef> to_scan = *segs;
  if (keep_last > 0 && to_scan.size() > keep_last) {
    to_scan.erase(to_scan.begin(), to_scan.end() - static_cast<ptrdiff_t>(keep_last));
  }
  Reader reader(std::move(to_scan));
  while (reader.Next()) {
  }
  if (!reader.corruption()) {
    if (!reader.status().ok()) return Error(reader.status().message());
    return std::optional<Corruption>();
  }
  Corruption c = *reader.corruption();
  if (Status s = Repair(dir, c); !s.ok()) return Error(s.message());
  return std::optional<Corruption>(std::move(c));
}

}  // namespace

Status Repair(const std::string& dir, const Corruption& c) {
  if (c.unsupported) {
    return Error("not repairing " + FormatCorruption(c) + ": the data is not damaged");
  }
  auto segs = ListSegments(dir);
  if (!segs.ok()) return segs.error();
  bool found = false;
  for (auto it = segs->rbegin(); it != segs->rend(); ++it) {
    if (it->index < c.segment) break;
    auto f = tsdb::fs::File::Open(it->path, O_RDWR);
    if (!f.ok()) return f.error();
    auto size = f->Size();
    if (!size.ok()) return size.error();
    if (it->index > c.segment) {
      spdlog::warn("WAL repair: deleting segment {} ({} bytes) after damaged segment {}", it->path,
                   *size, SegmentName(c.segment));
      if (::unlink(it->path.c_str()) != 0) return tsdb::fs::ErrnoError("remove", it->path);
      continue;
    }
    found = true;
    spdlog::warn("WAL repair: {}: dropping {} bytes of segment {} from offset {} (was {} bytes)",
                 c.reason, *size - c.valid_end, it->path, c.valid_end, *size);
    if (Status s = f->Truncate(c.valid_end); !s.ok()) return s;
    if (Status s = f->Sync(); !s.ok()) return s;
  }
  if (!found) return Error("WAL repair: no segment " + SegmentName(c.segment) + " in " + dir);
  return tsdb::fs::SyncDir(dir);
}

Result<std::optional<Corruption>> RepairTail(const std::string& dir) {
  return ScanAndRepairFrom(dir, 2);
}

Result<std::optional<Corruption>> ScanAndRepair(const std::string& dir) {
  return ScanAndRepairFrom(dir, 0);
}

}  // namespace tsdbd::tsdb::wal
