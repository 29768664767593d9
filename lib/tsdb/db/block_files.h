// What the database does to block directories and head ranges, shared by compaction,
// retention and the admin operations.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lib/model/result.h"
#include "lib/tsdb/block/block.h"
#include "lib/tsdb/block/chunk_series.h"
#include "lib/tsdb/head/head.h"

namespace tsdbd::tsdb {

// The head's series with chunks in [mint, maxt], ready to be written as a block.
std::vector<block::ChunkSeries> HeadChunkSeries(Head& head, int64_t mint, int64_t maxt);

// Deletes a block directory: renamed to <dir>.tmp-for-deletion first, so that a crash never
// leaves part of a block under its name.
Status DeleteBlockDir(const std::string& dir);

// Drops a block that nothing replaces (all of it deleted): its meta is marked deletable
// first, so that a crash before the removal still drops it at the next open.
Status DropBlock(const block::Block& b);

}  // namespace tsdbd::tsdb
