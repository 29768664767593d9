// The lock file that keeps a second process (tsdbd or Prometheus) out of a data directory.
#pragma once

#include <memory>
#include <string>

#include "lib/model/result.h"

namespace tsdbd::tsdb {

// Holds an exclusive flock(2) on <dir>/lock, as Prometheus does (so the two exclude each
// other too; on NFS, Linux maps flock onto POSIX byte-range locks). Released on destruction.
class DirLock {
 public:
  // Creates dir if needed and takes the lock without waiting; an error when another
  // process holds it or the directory cannot be written.
  static Result<std::unique_ptr<DirLock>> Acquire(const std::string& dir);

  ~DirLock();
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  explicit DirLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace tsdbd::tsdb
