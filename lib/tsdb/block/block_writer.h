// Writing a block directory in Prometheus's layout: chunks/, index, meta.json, tombstones.
#pragma once

#include <span>
#include <string>

#include "lib/model/result.h"
#include "lib/tsdb/block/chunk_series.h"
#include "lib/tsdb/block/meta.h"

namespace tsdbd::tsdb::block {

// Block directories being written carry this suffix, and those being deleted the other one;
// both are removed when the database opens (leftovers of a crash).
inline constexpr std::string_view kTmpForCreation = ".tmp-for-creation";
inline constexpr std::string_view kTmpForDeletion = ".tmp-for-deletion";

// Writes the block `meta` describes into <parent_dir>/<meta.ulid>: `series` sorted by labels,
// each with chunks inside [meta.min_time, meta.max_time). Everything goes to
// <ulid>.tmp-for-creation first, is fsync'd, and the directory is then renamed into place, so
// the block is either whole or absent. meta.stats are computed here; the meta written is
// returned. On error nothing is left behind.
Result<BlockMeta> WriteBlock(const std::string& parent_dir, std::span<const ChunkSeries> series,
                             BlockMeta meta);

}  // namespace tsdbd::tsdb::block
