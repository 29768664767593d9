#include "lib/tsdb/fs/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace tsdbd::tsdb::fs {

Error ErrnoError(std::string_view what, const std::string& path) {
  return Error(std::string(what) + " " + path + ": " + std::strerror(errno));
}

File::File(File&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    Close();
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

File::~File() {
  Close();
}

Result<File> File::Open(const std::string& path, int flags, int mode) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return ErrnoError("open", path);
  return File(fd, path);
}

Status File::WriteAt(std::string_view data, int64_t offset) {
  while (!data.empty()) {
    ssize_t n = ::pwrite(fd_, data.data(), data.size(), offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("write", path_);
    }
    data.remove_prefix(static_cast<size_t>(n));
    offset += n;
  }
  return Status::Ok();
}

Result<std::string> ReadWholeFile(const std::string& path) {
  auto file = File::Open(path, O_RDONLY);
  if (!file.ok()) return file.error();
  auto size = file->Size();
  if (!size.ok()) return size.error();
  std::string data(static_cast<size_t>(*size), '\0');
  auto n = file->ReadAt(data.data(), data.size(), 0);
  if (!n.ok()) return n.error();
  data.resize(*n);  // shorter if it shrank meanwhile
  return data;
}

Result<size_t> File::ReadAt(char* buf, size_t n, int64_t offset) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd_, buf + done, n - done, offset + static_cast<int64_t>(done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("read", path_);
    }
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  return done;
}

Result<int64_t> File::Size() {
  struct stat st;
  if (::fstat(fd_, &st) != 0) return ErrnoError("stat", path_);
  return static_cast<int64_t>(st.st_size);
}

Status File::DataSync() {
  if (::fdatasync(fd_) != 0) return ErrnoError("fdatasync", path_);
  return Status::Ok();
}

Status File::Sync() {
  if (::fsync(fd_) != 0) return ErrnoError("fsync", path_);
  return Status::Ok();
}

Status File::Truncate(int64_t size) {
  if (::ftruncate(fd_, size) != 0) return ErrnoError("truncate", path_);
  return Status::Ok();
}

Status File::Close() {
  if (fd_ < 0) return Status::Ok();
  int fd = std::exchange(fd_, -1);
  // No retry on EINTR: on Linux the descriptor is released either way.
  if (::close(fd) != 0 && errno != EINTR) return ErrnoError("close", path_);
  return Status::Ok();
}

Status SyncDir(const std::string& dir) {
  auto f = File::Open(dir, O_RDONLY | O_DIRECTORY);
  if (!f.ok()) return f.error();
  return f->Sync();
}

}  // namespace tsdbd::tsdb::fs
