// A block's meta.json: reading it (tolerant of fields it does not know) and writing it byte
// for byte as Prometheus 2.42 does (Go's json.MarshalIndent(meta, "", "\t"): same field
// order, tab indentation, empty optional fields omitted).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lib/model/result.h"

namespace tsdbd::tsdb::block {

struct BlockStats {
  uint64_t num_samples = 0, num_series = 0, num_chunks = 0, num_tombstones = 0;
  bool operator==(const BlockStats&) const = default;
};

struct BlockDesc {
  std::string ulid;
  int64_t min_time = 0, max_time = 0;
  bool operator==(const BlockDesc&) const = default;
};

struct BlockMeta {
  std::string ulid;
  int64_t min_time = 0;  // inclusive
  int64_t max_time = 0;  // exclusive, as Prometheus
  BlockStats stats;
  struct Compaction {
    int level = 1;
    std::vector<std::string> sources;  // ULIDs
    std::vector<BlockDesc> parents;
    bool deletable = false;
    bool failed = false;
    std::vector<std::string> hints;  // e.g. "from-out-of-order"
    bool operator==(const Compaction&) const = default;
  } compaction;
  int version = 1;
  bool operator==(const BlockMeta&) const = default;
};

// Reads <block_dir>/meta.json. Error for a missing or unreadable file, bad JSON, a field
// of the wrong type, or a version other than 1.
Result<BlockMeta> ReadMeta(const std::string& block_dir);

// The JSON text WriteMeta writes (ending in no newline, as Prometheus).
std::string MetaJson(const BlockMeta& meta);
Result<BlockMeta> ParseMeta(std::string_view json);

// Writes <block_dir>/meta.json through a temporary file, fsync and rename.
Status WriteMeta(const std::string& block_dir, const BlockMeta& meta);

}  // namespace tsdbd::tsdb::block
