// The head's inverted index: for every label pair, the sorted references of the series that
// carry it, plus the list of all series (Prometheus's MemPostings).
#pragma once

#include <cstdint>
#include <functional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "lib/model/labels.h"
#include "lib/tsdb/index/postings.h"
#include "lib/tsdb/index/postings_list.h"
#include "lib/tsdb/index/postings_source.h"

namespace tsdbd::tsdb::index {

// One entry of a top-N cardinality list.
struct PostingsStat {
  std::string name;
  uint64_t count = 0;
};

// What /api/v1/status/tsdb shows about the index: the 10 biggest of each.
struct PostingsStats {
  std::vector<PostingsStat> series_count_by_metric_name;       // __name__ value -> series
  std::vector<PostingsStat> label_value_count_by_label_name;   // name -> distinct values
  std::vector<PostingsStat> memory_in_bytes_by_label_name;     // name -> bytes of its values
  std::vector<PostingsStat> series_count_by_label_value_pair;  // "name=value" -> series
  uint64_t num_label_pairs = 0;
};

// Thread-safe: one reader-writer lock guards the whole index, so lookups run concurrently
// and only series creation and garbage collection take it exclusively. Lists handed out
// share the index's blocks copy-on-write, so iterators never see later changes.
class PostingsIndex final : public PostingsSource {
 public:
  PostingsIndex() = default;
  PostingsIndex(const PostingsIndex&) = delete;
  PostingsIndex& operator=(const PostingsIndex&) = delete;

  // Adds series `ref` under each of its label pairs. Refs may arrive slightly out of order
  // (concurrent creators); lists stay sorted.
  void Add(uint64_t ref, const Labels& labels);
  // Removes the given series (each with the labels it was added with).
  void Delete(std::span<const std::pair<uint64_t, Labels>> series);

  // The series with label name=value.
  PostingsPtr Get(std::string_view name, std::string_view value) const override;
  // The series with label `name` set to any of `values` (sorted or not).
  PostingsPtr GetAny(std::string_view name, std::span<const std::string> values) const override;
  // The series with label `name` set to a value for which keep(value) is true. keep runs
  // under the index's read lock: it must not call back into the index.
  PostingsPtr GetMatching(std::string_view name,
                          const std::function<bool(std::string_view)>& keep) const override;
  // Every series.
  PostingsPtr All() const override;

  // Sorted distinct label names, and the sorted distinct values of one name.
  std::vector<std::string> LabelNames() const;
  std::vector<std::string> LabelValues(std::string_view name) const;

  PostingsStats Stats(size_t top_n = 10) const;

  size_t NumSeries() const;
  // Approximate heap bytes held (maps, lists with their spare capacity).
  size_t MemoryBytes() const;

 private:
  using ValueMap = std::unordered_map<SymbolId, PostingsList>;
  const ValueMap* Values(std::string_view name) const;  // requires mu_ (shared)

  mutable std::shared_mutex mu_;
  std::unordered_map<SymbolId, ValueMap> m_;  // name -> value -> sorted refs
  PostingsList all_;                          // every series
};

}  // namespace tsdbd::tsdb::index
