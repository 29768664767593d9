// Writing a block directory in Prometheus's layout: chunks/, index, meta.json, tombstones.
#pragma once

#include <functional>
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

// The series a block is written from, handed out one at a time so that the writer holds one
// series' chunks at a time, not all of them.
class SeriesSource {
 public:
  virtual ~SeriesSource() = default;
  // Calls `fn` with the labels of every series Next will hand out, in any order, for the
  // symbol table (labels of series that turn out to have no chunks do no harm). The labels
  // stay valid as long as the source lives.
  virtual void ForEachLabels(const std::function<void(const Labels&)>& fn) const = 0;
  // The next series, in strictly increasing label order, valid until the next call (a copy
  // stays valid as long as the source lives); null at the end.
  virtual const ChunkSeries* Next() = 0;
};

// Writes the block `meta` describes into <parent_dir>/<meta.ulid>: the series of `series`,
// in label order, each with chunks inside [meta.min_time, meta.max_time) (series without
// chunks are left out). Everything goes to <ulid>.tmp-for-creation first, is fsync'd, and
// the directory is then renamed into place, so the block is either whole or absent.
// meta.stats are computed here; the meta written is returned. On error (unsorted series, a
// chunk outside the range, a failed write) nothing is left behind.
Result<BlockMeta> WriteBlock(const std::string& parent_dir, SeriesSource& series, BlockMeta meta);
// The same for series all in memory, sorted by labels.
Result<BlockMeta> WriteBlock(const std::string& parent_dir, std::span<const ChunkSeries> series,
                             BlockMeta meta);

}  // namespace tsdbd::tsdb::block
