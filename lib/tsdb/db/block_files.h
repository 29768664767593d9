// What the database does to block directories and head ranges, shared by compaction,
// retention and the admin operations.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lib/model/result.h"
#include "lib/tsdb/block/block.h"
#include "lib/tsdb/block/block_writer.h"
#include "lib/tsdb/block/chunk_series.h"
#include "lib/tsdb/head/head.h"

namespace tsdbd::tsdb {

// The head's series with chunks in [mint, maxt], for WriteBlock: found and sorted by labels
// when constructed, their chunks taken from the head one series at a time as the writer
// asks, so that a block is written without a copy of all its chunk lists. Series that lose
// their chunks in between (a deletion) are passed over. `head` must outlive the source.
class HeadSeriesSource final : public block::SeriesSource {
 public:
  HeadSeriesSource(const Head& head, int64_t mint, int64_t maxt);

  // Whether no series had chunks in the range when constructed.
  bool empty() const { return series_.empty(); }

  std::vector<std::string_view> Symbols() const override;
  // The series' chunks are owned by the series handed out (ChunkSeries::owner).
  const block::ChunkSeries* Next() override;

 private:
  const Head& head_;
  const int64_t mint_, maxt_;
  std::vector<SeriesPtr> series_;  // sorted by labels
  size_t next_ = 0;                // index in series_ of the series Next hands out next
  block::ChunkSeries current_;
};

// Deletes a block directory: renamed to <dir>.tmp-for-deletion first, so that a crash never
// leaves part of a block under its name.
Status DeleteBlockDir(const std::string& dir);

// Drops a block that nothing replaces (all of it deleted): its meta is marked deletable
// first, so that a crash before the removal still drops it at the next open.
Status DropBlock(const block::Block& b);

}  // namespace tsdbd::tsdb
