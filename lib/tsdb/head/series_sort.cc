#include "lib/tsdb/head/series_sort.h"

#include <algorithm>
#include <cstdint>

namespace tsdbd::tsdb {

// Each distinct symbol of the series gets its rank in string order, so comparing two series'
// rank sequences gives Compare's answer (equal ids are equal strings) without reading a string
// per comparison.
// Series selected together mostly share names and many values with their neighbours in ref
// order, so a symbol equal to the previous series' at the same position is looked up once.
void SortByLabels(std::vector<SeriesPtr>* series) {
  const size_t n = series->size();
  if (n < 2) return;
  // Each series' symbols flattened as name, value, name, ...; series i's are
  // [offsets[i], offsets[i+1]). The labels are read once: they are cache misses.
  std::vector<SymbolId> keys;
  std::vector<uint32_t> offsets;
  offsets.reserve(n + 1);
  offsets.push_back(0);
  for (const SeriesPtr& s : *series) {
    for (const LabelPair& p : s->labels().pairs()) {
      keys.push_back(p.name);
      keys.push_back(p.value);
    }
    offsets.push_back(static_cast<uint32_t>(keys.size()));
  }
  // Positions where every series has the same symbol decide no comparison: drop them.
  std::vector<bool> constant(offsets[1], true);
  for (size_t i = 1; i < n; ++i) {
    if (offsets[i + 1] - offsets[i] < constant.size()) constant.resize(offsets[i + 1] - offsets[i]);
    for (size_t j = 0; j < constant.size(); ++j) {
      if (keys[offsets[i] + j] != keys[j]) constant[j] = false;
    }
  }
  size_t kept = 0;
  for (size_t i = 0; i < n; ++i) {
    const size_t begin = offsets[i];
    offsets[i] = static_cast<uint32_t>(kept);
    for (size_t j = 0; begin + j < offsets[i + 1]; ++j) {
      if (j >= constant.size() || !constant[j]) keys[kept++] = keys[begin + j];
    }
  }
  offsets[n] = static_cast<uint32_t>(kept);
  keys.resize(kept);
  // Whether keys[k] (position j of series i) repeats the previous series' symbol there.
  auto repeats = [&](size_t i, size_t k) {
    const size_t j = k - offsets[i];
    return i > 0 && offsets[i - 1] + j < offsets[i] && keys[offsets[i - 1] + j] == keys[k];
  };
  std::vector<SymbolId> ids;
  for (size_t i = 0; i < n; ++i) {
    for (size_t k = offsets[i]; k < offsets[i + 1]; ++k) {
      if (!repeats(i, k)) ids.push_back(keys[k]);
    }
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  const SymbolTable& symbols = SymbolTable::Global();
  std::vector<SymbolId> by_string(ids);
  std::sort(by_string.begin(), by_string.end(),
            [&](SymbolId a, SymbolId b) { return symbols.Get(a) < symbols.Get(b); });
  auto index_of = [&](SymbolId id) {
    return static_cast<size_t>(std::lower_bound(ids.begin(), ids.end(), id) - ids.begin());
  };
  std::vector<uint32_t> rank_of_id(ids.size());  // parallel to ids
  for (uint32_t r = 0; r < by_string.size(); ++r) rank_of_id[index_of(by_string[r])] = r;
  std::vector<uint32_t> ranks(keys.size());  // parallel to keys
  for (size_t i = 0; i < n; ++i) {
    for (size_t k = offsets[i]; k < offsets[i + 1]; ++k) {
      ranks[k] =
          repeats(i, k) ? ranks[offsets[i - 1] + (k - offsets[i])] : rank_of_id[index_of(keys[k])];
    }
  }
  std::vector<uint32_t> order(n);
  for (uint32_t i = 0; i < n; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return std::lexicographical_compare(ranks.begin() + offsets[a], ranks.begin() + offsets[a + 1],
                                        ranks.begin() + offsets[b], ranks.begin() + offsets[b + 1]);
  });
  std::vector<SeriesPtr> sorted;
  sorted.reserve(n);
  for (uint32_t i : order) sorted.push_back(std::move((*series)[i]));
  *series = std::move(sorted);
}

}  // namespace tsdbd::tsdb
