// How Prometheus 2.42 orders samples by value: the two orders of its topk/bottomk heaps,
// and Go's sort.Sort over them (sort, sort_desc, topk and bottomk results).
#pragma once

#include <algorithm>
#include <cmath>
#include <utility>

#include "lib/promql/value.h"

namespace tsdbd::promql {

// a before b in topk's heap (a NaN first, then the smaller value).
inline bool ByValueLess(const Sample& a, const Sample& b) {
  return std::isnan(a.v) || a.v < b.v;
}
// a before b in bottomk's heap (a NaN first, then the larger value).
inline bool ByReverseValueLess(const Sample& a, const Sample& b) {
  return std::isnan(a.v) || a.v > b.v;
}

// Sorts as Go 1.19's sort.Sort does with `less` (a heap order, reversed by the caller):
// up to 12 samples by insertion sort, which these orders make unstable for NaNs, so that
// equal values and NaNs come out exactly as in Prometheus. Longer inputs Go sorts by
// pattern-defeating quicksort, whose placement of equal values this stable sort does not
// reproduce: there only the order of ties (and of NaNs, which go last) may differ.
template <typename Less>
void GoSort(Vector& v, Less less) {
  if (v.size() <= 12) {
    for (size_t i = 1; i < v.size(); ++i) {
      for (size_t j = i; j > 0 && less(v[j], v[j - 1]); --j) std::swap(v[j], v[j - 1]);
    }
    return;
  }
  std::stable_sort(v.begin(), v.end(), [&less](const Sample& a, const Sample& b) {
    return !std::isnan(a.v) && less(a, b);
  });
}

}  // namespace tsdbd::promql
