// The read side of storage: series selected by matchers over a time range, iterated sample
// by sample. PromQL, the HTTP API and remote read see storage only through these.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lib/model/labels.h"
#include "lib/model/matcher.h"
#include "lib/model/result.h"

namespace tsdbd::storage {

struct Sample {
  int64_t t;  // milliseconds since the epoch
  double v;
};

// Forward iteration over one series' samples in timestamp order, each timestamp once.
class SampleIterator {
 public:
  virtual ~SampleIterator() = default;
  // Advances to the next sample; false at the end (or on error, see Err).
  virtual bool Next() = 0;
  // Advances to the first sample with timestamp >= t; stays put when the current sample
  // already qualifies (never moves backwards). False when there is none.
  virtual bool Seek(int64_t t) = 0;
  // The current sample; valid after Next or Seek returned true.
  virtual Sample At() const = 0;
  // Why iteration stopped early (corrupt data); ok at a normal end.
  virtual Status Err() const { return Status::Ok(); }
};

// A series as a querier sees it. Shared so that a consumer (PromQL, a merge) can keep the
// series it selected; it stays usable while the querier that produced it lives.
class Series {
 public:
  virtual ~Series() = default;
  virtual const Labels& labels() const = 0;
  // A fresh iterator over the samples within the querier's time range; may be called any
  // number of times. Valid while the querier that produced the series lives.
  virtual std::unique_ptr<SampleIterator> Iterator() const = 0;
};

class SeriesSet {
 public:
  virtual ~SeriesSet() = default;
  virtual bool Next() = 0;
  // The current series (never null after Next returned true).
  virtual std::shared_ptr<const Series> At() const = 0;
  virtual Status Err() const { return Status::Ok(); }
  // Non-fatal problems to report to the user (Prometheus's "warnings").
  virtual std::vector<std::string> Warnings() const { return {}; }
};

// What the caller will do with the series, so that a storage may skip work. Advisory.
struct SelectHints {
  int64_t start_ms = 0;  // the earliest sample needed
  int64_t end_ms = 0;    // the latest sample needed
  int64_t step_ms = 0;   // the query step (0 for instant queries)
  // The function around the selector, e.g. "rate". "series" (the metadata endpoints): only
  // the series' labels will be read, so a storage may skip reading samples and hand out
  // series whose iterators yield none.
  std::string func;
  int64_t range_ms = 0;  // the range of a range selector
};

// Whether `hints` (may be null) ask for the series' labels only.
inline bool LabelsOnly(const SelectHints* hints) {
  return hints != nullptr && hints->func == "series";
}

// A view of the data between two times. Not thread-safe; close by destroying it.
class Querier {
 public:
  virtual ~Querier() = default;

  // The series matching all `matchers` (at least one). Sorted by labels when `sorted` is
  // true. `hints` may be null.
  virtual std::unique_ptr<SeriesSet> Select(bool sorted, const SelectHints* hints,
                                            std::span<const Matcher> matchers) = 0;

  // The distinct values of label `name`, sorted, among the series matching `matchers` (all
  // series when empty).
  virtual Result<std::vector<std::string>> LabelValues(std::string_view name,
                                                       std::span<const Matcher> matchers) = 0;

  // The distinct label names, sorted, among the series matching `matchers` (all when empty).
  virtual Result<std::vector<std::string>> LabelNames(std::span<const Matcher> matchers) = 0;
};

class Queryable {
 public:
  virtual ~Queryable() = default;
  // A querier over [mint_ms, maxt_ms] (inclusive). Thread-safe.
  virtual Result<std::unique_ptr<Querier>> NewQuerier(int64_t mint_ms, int64_t maxt_ms) = 0;
};

}  // namespace tsdbd::storage
