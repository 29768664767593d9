#include "lib/tsdb/head/replay_labels.h"

#include <algorithm>
#include <string_view>
#include <thread>
#include <utility>

namespace tsdbd::tsdb {
namespace {

void BuildSlice(const ReplaySeriesRecord& series, size_t begin, size_t end, ReplayLabels* out) {
  for (size_t i = begin; i < end; ++i) {
    out->labels[i] = Labels::FromPairs(series.labels(i));
    out->hashes[i] = out->labels[i].Hash();
  }
}

}  // namespace

Status ReplaySeriesRecord::Decode(std::string_view rec) {
  refs.clear();
  starts.assign(1, 0);
  pairs.clear();
  return record::ForEachSeries(rec, [this](uint64_t ref, record::LabelViews labels) {
    refs.push_back(ref);
    pairs.insert(pairs.end(), labels.begin(), labels.end());
    starts.push_back(static_cast<uint32_t>(pairs.size()));
  });
}

void ForEachReplaySlice(size_t n, size_t threads,
                        const std::function<void(size_t, size_t, size_t)>& fn) {
  const size_t slices =
      std::clamp<size_t>(n / kMinReplaySeriesPerThread, 1, std::max<size_t>(threads, 1));
  std::vector<std::jthread> helpers;
  helpers.reserve(slices - 1);
  for (size_t s = 1; s < slices; ++s) {
    helpers.emplace_back([&fn, n, slices, s] { fn(s, s * n / slices, (s + 1) * n / slices); });
  }
  fn(0, 0, n / slices);
}  // the helpers join here

void BuildReplayLabels(const ReplaySeriesRecord& series, size_t threads, ReplayLabels* out) {
  const size_t n = series.size();
  out->labels.clear();
  out->labels.resize(n);
  out->hashes.resize(n);
  ForEachReplaySlice(
      n, threads, [&](size_t, size_t begin, size_t end) { BuildSlice(series, begin, end, out); });
}

}  // namespace tsdbd::tsdb
