// Writing a block directory in Prometheus's layout: chunks/, index, meta.json, tombstones.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

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
  // Every label name and value of the series Next will hand out, sorted and distinct, valid
  // as long as the source lives. More do no harm (they only take room in the symbol table):
  // Prometheus keeps those of series dropped by a compaction, for one.
  virtual std::vector<std::string_view> Symbols() const = 0;
  // The next series, in strictly increasing label order, valid until the next call (a copy
  // stays valid as long as the source lives); null at the end or on error.
  virtual const ChunkSeries* Next() = 0;
  // Why Next returned null: Ok at the end of the series.
  virtual Status Err() const { return Status::Ok(); }
};

// The distinct label names and values of series added one at a time, in memory for the
// distinct ones only: Symbols() for sources that hold their series' labels.
class SymbolSet {
 public:
  // The strings must outlive the set and what Sorted returns.
  void Add(const Labels& labels);
  // Sorted, without the empty string.
  std::vector<std::string_view> Sorted() const;

 private:
  std::unordered_set<std::string_view> distinct_;
};

// Writes the block `meta` describes into <parent_dir>/<meta.ulid>: the series of `series`,
// in label order, each with chunks inside [meta.min_time, meta.max_time) (series without
// chunks are left out). Everything goes to <ulid>.tmp-for-creation first, is fsync'd, and
// the directory is then renamed into place, so the block is either whole or absent; a block
// without any series is not published at all (the meta returned says num_series 0). meta.stats
// are computed here; the meta written is returned. On error (unsorted series, a chunk outside
// the range, the source's error, a failed write) nothing is left behind.
Result<BlockMeta> WriteBlock(const std::string& parent_dir, SeriesSource& series, BlockMeta meta);
// The same for series all in memory, sorted by labels.
Result<BlockMeta> WriteBlock(const std::string& parent_dir, std::span<const ChunkSeries> series,
                             BlockMeta meta);

}  // namespace tsdbd::tsdb::block
