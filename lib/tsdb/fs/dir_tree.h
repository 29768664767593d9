// Whole-directory operations: removal and size accounting (retention, compaction).
#pragma once

#include <cstdint>
#include <string>

#include "lib/model/result.h"

namespace tsdbd::tsdb::fs {

// Removes `path` and everything below it, like `rm -r`. A missing path is success.
Status RemoveAll(const std::string& path);

// The bytes of all regular files below `path` (recursively; symlinks are not followed).
// A regular file `path` counts itself.
Result<uint64_t> DirSize(const std::string& path);

}  // namespace tsdbd::tsdb::fs
