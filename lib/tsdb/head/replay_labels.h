// The labels of a WAL series record, built on several threads for the replay: interning a
// record's label strings and hashing its label sets is most of what creating its series costs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "lib/model/labels.h"
#include "lib/tsdb/record/record.h"

namespace tsdbd::tsdb {

// Series below which handing a record's series to another thread costs more than it saves
// (a thread start is tens of microseconds, a series a few).
inline constexpr size_t kMinReplaySeriesPerThread = 1024;

struct ReplayLabels {
  std::vector<Labels> labels;    // of series[i]
  std::vector<uint64_t> hashes;  // labels[i].Hash()
};

// Calls fn(slice, begin, end) for consecutive slices [begin, end) of [0, n), numbered from 0,
// on up to `threads` threads (this one included, with slice 0), returning once all are done;
// a single call on this thread when n is too small to repay a thread.
void ForEachReplaySlice(size_t n, size_t threads,
                        const std::function<void(size_t, size_t, size_t)>& fn);

// Builds the labels of every series of a record, in slices on up to `threads` threads (this
// one included); a record too small to repay a thread is done on this one.
void BuildReplayLabels(std::span<const record::RefSeries> series, size_t threads,
                       ReplayLabels* out);

}  // namespace tsdbd::tsdb
