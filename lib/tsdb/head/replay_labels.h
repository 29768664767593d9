// The labels of a WAL series record, built on several threads for the replay: interning a
// record's label strings and hashing its label sets is most of what creating its series costs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/model/labels.h"
#include "lib/model/result.h"
#include "lib/tsdb/record/decoder.h"

namespace tsdbd::tsdb {

// Series below which handing a record's series to another thread costs more than it saves
// (a thread start is tens of microseconds, a series a few).
inline constexpr size_t kMinReplaySeriesPerThread = 1024;

// The series of one series record, with their labels as views into the record (valid while
// it is): what BuildReplayLabels needs, with no copy of a string.
struct ReplaySeriesRecord {
  std::vector<uint64_t> refs;
  // The pairs of series i are pairs[starts[i]] up to pairs[starts[i + 1]].
  std::vector<uint32_t> starts;
  std::vector<std::pair<std::string_view, std::string_view>> pairs;

  // Replaces the contents with the series of `rec`; fails as record::DecodeSeries does.
  Status Decode(std::string_view rec);
  size_t size() const { return refs.size(); }
  record::LabelViews labels(size_t i) const {
    return record::LabelViews(pairs).subspan(starts[i], starts[i + 1] - starts[i]);
  }
};

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
void BuildReplayLabels(const ReplaySeriesRecord& series, size_t threads, ReplayLabels* out);

}  // namespace tsdbd::tsdb
