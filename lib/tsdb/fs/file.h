// Small POSIX file helpers for the WAL and blocks: an owning file descriptor and directory fsync.
// Every failure comes back as an Error naming the path and errno text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "lib/model/result.h"

namespace tsdbd::tsdb::fs {

// Owns one open file descriptor; closes it on destruction. Move-only.
class File {
 public:
  File() = default;
  File(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  File(File&& other) noexcept;
  File& operator=(File&& other) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File();

  // flags as for open(2); O_CLOEXEC is always added.
  static Result<File> Open(const std::string& path, int flags, int mode = 0644);

  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

  // Writes all of data at offset (retrying short writes and EINTR).
  Status WriteAt(std::string_view data, int64_t offset);
  // Reads up to n bytes at offset into buf; returns the count read (short only at EOF).
  Result<size_t> ReadAt(char* buf, size_t n, int64_t offset);
  Result<int64_t> Size();
  Status DataSync();
  Status Sync();
  Status Truncate(int64_t size);
  Status Close();

 private:
  int fd_ = -1;
  std::string path_;
};

// The whole content of the file at `path` (a small one: meta.json, tombstones). An Error
// "open <path>: <reason>" or "read <path>: <reason>" on failure.
Result<std::string> ReadWholeFile(const std::string& path);

// fsyncs a directory so that entries created, renamed or removed in it are durable.
Status SyncDir(const std::string& dir);

// An Error "<what> <path>: <strerror(errno)>" from the current errno.
Error ErrnoError(std::string_view what, const std::string& path);

}  // namespace tsdbd::tsdb::fs
