// Publishing files and directories so that a crash (or an NFS client) never sees them
// half-written: write to a temporary name, fsync, rename, fsync the parent directory.
#pragma once

#include <string>
#include <string_view>

#include "lib/model/result.h"

namespace tsdbd::tsdb::fs {

// Replaces `path` with `data`: writes <path>.tmp, fsyncs it, renames it over `path` and
// fsyncs the parent directory. On failure the temporary file is removed and `path` is
// left as it was.
Status WriteFileAtomically(const std::string& path, std::string_view data);

// Renames `from` to `to` (a file or a directory; `to` must not be a non-empty directory)
// and fsyncs the parent directories of both.
Status RenameDirDurably(const std::string& from, const std::string& to);

}  // namespace tsdbd::tsdb::fs
