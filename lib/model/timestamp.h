// Sample timestamps: int64 milliseconds since the Unix epoch, as Prometheus stores them.
#pragma once

#include <chrono>
#include <cstdint>

namespace tsdbd {

// The timestamp of a wall-clock time point (sub-millisecond parts truncated toward zero).
int64_t TimestampMs(std::chrono::system_clock::time_point t);

// The current wall-clock time as a timestamp (for block ULIDs, compaction times, "now" of
// queries). Not monotonic: the system clock may step.
int64_t NowTimestampMs();

}  // namespace tsdbd
