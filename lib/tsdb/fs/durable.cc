#include "lib/tsdb/fs/durable.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "lib/tsdb/fs/file.h"

namespace tsdbd::tsdb::fs {
namespace {

std::string ParentDir(const std::string& path) {
  std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

}  // namespace

Status WriteFileAtomically(const std::string& path, std::string_view data) {
  const std::string tmp = path + ".tmp";
  Status s = [&]() -> Status {
    auto f = File::Open(tmp, O_WRONLY | O_CREAT | O_TRUNC);
    if (!f.ok()) return f.error();
    if (Status w = f->WriteAt(data, 0); !w.ok()) return w;
    if (Status w = f->Sync(); !w.ok()) return w;
    if (Status w = f->Close(); !w.ok()) return w;
    if (::rename(tmp.c_str(), path.c_str()) != 0) return ErrnoError("rename", tmp);
    return Status::Ok();
  }();
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  return SyncDir(ParentDir(path));
}

Status RenameDirDurably(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return Error("rename " + from + " to " + to + ": " + std::strerror(errno));
  }
  const std::string to_parent = ParentDir(to);
  if (Status s = SyncDir(to_parent); !s.ok()) return s;
  const std::string from_parent = ParentDir(from);
  if (from_parent != to_parent) return SyncDir(from_parent);
  return Status::Ok();
}

}  // namespace tsdbd::tsdb::fs
