// Checkpoints: a compacted copy of the WAL up to some segment, in the same segment format,
// in <wal>/checkpoint.NNNNNNNN/ (NNNNNNNN = the last segment it covers), as Prometheus does.
// Replay reads the newest checkpoint and then the WAL's segments after it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lib/model/result.h"
#include "lib/tsdb/wal/segments.h"

namespace tsdbd::tsdb::wal {

struct CheckpointStats {
  int64_t total_series = 0, dropped_series = 0;
  int64_t total_samples = 0, dropped_samples = 0;
  int64_t total_tombstones = 0, dropped_tombstones = 0;
  int64_t total_exemplars = 0, dropped_exemplars = 0;
  int64_t total_metadata = 0, dropped_metadata = 0;
  int64_t dropped_other_records = 0;  // mmap markers, histogram samples, unknown types
};

// Writes <wal_dir>/checkpoint.<to> from the newest existing checkpoint (if any) and the
// segments from..to of wal_dir (inclusive; all must exist). It keeps the series records of
// series with keep(ref), the samples and exemplars with t >= mint, the tombstones of kept
// series whose max_time >= mint, and the last metadata of each kept series. Atomic: written
// to checkpoint.<to>.tmp, fsynced, renamed, and wal_dir fsynced. Neither deletes old
// segments nor old checkpoints (see Wal::Truncate, DeleteCheckpoints). An existing
// checkpoint must cover segments before `from`.
Result<CheckpointStats> Checkpoint(const std::string& wal_dir, int from, int to,
                                   const std::function<bool(uint64_t ref)>& keep, int64_t mint,
                                   bool compress = true);

// Removes checkpoints (and leftover .tmp directories) with index < max_index.
Status DeleteCheckpoints(const std::string& wal_dir, int max_index);

// What startup replays, in order: the newest checkpoint's segments (damage there is an
// error: checkpoints are written atomically), then wal_dir's segments after it (damage
// there is repairable).
struct ReplaySet {
  std::optional<SegmentRef> checkpoint;
  std::vector<SegmentRef> checkpoint_segments;
  std::vector<SegmentRef> segments;
};
Result<ReplaySet> FindReplaySet(const std::string& wal_dir);

}  // namespace tsdbd::tsdb::wal
