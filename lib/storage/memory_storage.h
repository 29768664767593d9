// An in-memory Queryable: series held in a vector, for tests, benchmarks and the PromQL
// test-script runner.
#pragma once

#include <memory>
#include <vector>

#include "lib/storage/series_list.h"

namespace tsdbd::storage {

class MemoryStorage final : public Queryable {
 public:
  MemoryStorage() = default;

  // Adds a series (or appends samples to an existing one with the same labels). Samples
  // must be in timestamp order and later than the series' last sample. Not thread-safe
  // against concurrent queries.
  void Add(const Labels& labels, std::vector<Sample> samples);
  void AddSample(const Labels& labels, int64_t t, double v);

  size_t NumSeries() const { return series_.size(); }

  // Series and samples outside [mint_ms, maxt_ms] are dropped from the querier's view.
  Result<std::unique_ptr<Querier>> NewQuerier(int64_t mint_ms, int64_t maxt_ms) override;

 private:
  struct Entry {
    Labels labels;
    std::shared_ptr<std::vector<Sample>> samples;
  };
  Entry& Find(const Labels& labels);

  std::vector<Entry> series_;  // sorted by labels
};

}  // namespace tsdbd::storage
