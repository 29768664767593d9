// Naming and listing of WAL segment files ("00000042") and checkpoint directories
// ("checkpoint.00000042") inside a WAL directory.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/model/result.h"

namespace tsdbd::tsdb::wal {

struct SegmentRef {
  int index = 0;
  std::string path;
};

// "%08d" of index.
std::string SegmentName(int index);
// dir + "/" + SegmentName(index).
std::string SegmentPath(const std::string& dir, int index);
// The index of a segment file name, or nullopt if name isn't all digits / overflows.
std::optional<int> ParseSegmentName(std::string_view name);

// The segment files of dir in index order. Other entries (checkpoints, temp files) are
// ignored. An Error if dir can't be read or the indices have a gap.
Result<std::vector<SegmentRef>> ListSegments(const std::string& dir);

inline constexpr std::string_view kCheckpointPrefix = "checkpoint.";

std::string CheckpointName(int index);
// The index of a finished checkpoint directory name ("checkpoint.00000007"), or nullopt
// (also for "checkpoint.00000007.tmp").
std::optional<int> ParseCheckpointName(std::string_view name);

// The finished checkpoints of a WAL directory, in index order.
Result<std::vector<SegmentRef>> ListCheckpoints(const std::string& dir);
// The newest finished checkpoint, or nullopt when there is none.
Result<std::optional<SegmentRef>> LastCheckpoint(const std::string& dir);

}  // namespace tsdbd::tsdb::wal
