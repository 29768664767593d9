// Ordering head series by labels for a sorted Select.
#pragma once

#include <vector>

#include "lib/tsdb/head/series_map.h"

namespace tsdbd::tsdb {

// Sorts `series` by labels as Compare orders them (Prometheus's labels.Compare), comparing
// integers instead of strings. Series with equal labels keep no particular order.
void SortByLabels(std::vector<SeriesPtr>* series);

}  // namespace tsdbd::tsdb
