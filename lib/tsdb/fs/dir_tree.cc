#include "lib/tsdb/fs/dir_tree.h"

#include <filesystem>
#include <system_error>

namespace tsdbd::tsdb::fs {
namespace stdfs = std::filesystem;

Status RemoveAll(const std::string& path) {
  std::error_code ec;
  stdfs::remove_all(path, ec);
  if (ec) return Error("remove " + path + ": " + ec.message());
  return Status::Ok();
}

Result<uint64_t> DirSize(const std::string& path) {
  std::error_code ec;
  const stdfs::file_status st = stdfs::symlink_status(path, ec);
  if (ec) return Error("stat " + path + ": " + ec.message());
  if (stdfs::is_regular_file(st)) {
    uint64_t n = stdfs::file_size(path, ec);
    if (ec) return Error("stat " + path + ": " + ec.message());
    return n;
  }
  if (!stdfs::is_directory(st)) return Error("size of " + path + ": not a file or directory");
  uint64_t total = 0;
  stdfs::recursive_directory_iterator it(path, ec), end;
  if (ec) return Error("list " + path + ": " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) return Error("list " + path + ": " + ec.message());
    std::error_code fec;
    if (!it->is_regular_file(fec) || it->is_symlink(fec)) continue;
    const uint64_t n = it->file_size(fec);
    // A file removed while we walk (compaction, retention) is simply not counted.
    if (fec) continue;
    total += n;
  }
  if (ec) return Error("list " + path + ": " + ec.message());
  return total;
}

}  // namespace tsdbd::tsdb::fs
