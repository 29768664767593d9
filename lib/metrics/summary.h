// Observations summarised as quantiles over a sliding time window, with their all-time sum
// and count, as in a Prometheus summary ({quantile="..."}, _sum, _count).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

namespace tsdbd::metrics {

// The Go client's defaults: the window is 10 minutes, made of 5 age buckets of 2 minutes.
inline constexpr std::chrono::seconds kDefaultSummaryMaxAge{600};
inline constexpr int kDefaultSummaryAgeBuckets = 5;

// Thread-safe. Observe takes a mutex and appends to the current age bucket (amortised O(1),
// no allocation once the bucket's vector has grown). Read sorts the window's observations:
// O(k log k) for the k observations kept, at most age_buckets * max_per_bucket of them
// (measured, bench/metrics/summary_bench.cc: Observe ~35 ns; Read ~13 us for 1000 kept and
// ~0.4 ms for the 40960 of a full default window).
//
// The window: observations of the current age bucket and of the age_buckets - 1 before it,
// so between max_age - max_age / age_buckets and max_age of history (the Go client's head
// stream covers the same span). A quantile q is the smallest observation v such that at
// least q of the window's observations are <= v (nearest rank), exact while no bucket held
// more than max_per_bucket observations; beyond that a bucket keeps a uniform random sample
// of max_per_bucket of them (reservoir sampling), each standing for seen / kept
// observations, so memory stays bounded. With an empty window every quantile is NaN.
class Summary {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    // Quantiles in [0, 1], strictly increasing (validated by the Registry).
    std::shared_ptr<const std::vector<double>> quantiles;
    Clock::duration max_age = kDefaultSummaryMaxAge;  // > 0
    int age_buckets = kDefaultSummaryAgeBuckets;      // >= 1
    std::size_t max_per_bucket = 8192;                // >= 1
  };

  // The Options must be valid (see ValidateQuantiles); the window starts now.
  explicit Summary(const Options& options);
  Summary(const Summary&) = delete;
  Summary& operator=(const Summary&) = delete;

  // NaN is kept and sorts above every number (so high quantiles may be NaN) and makes the
  // sum NaN, as in Prometheus.
  void Observe(double v) { ObserveAt(v, Clock::now()); }
  // As Observe at a given time (tests). Times before the construction count as the start.
  void ObserveAt(double v, Clock::time_point now);

  struct Snapshot {
    std::vector<double> values;  // one per quantile, in the order of quantiles()
    double sum = 0;              // of every observation ever
    std::uint64_t count = 0;     // of every observation ever
  };
  Snapshot Read() const { return ReadAt(Clock::now()); }
  Snapshot ReadAt(Clock::time_point now) const;

  std::span<const double> quantiles() const { return *quantiles_; }

 private:
  struct AgeBucket {
    std::int64_t epoch = -1;   // which slot of time it holds; -1: never used
    std::uint64_t seen = 0;    // observations in that slot
    std::vector<double> kept;  // all of them, or a uniform sample of max_per_bucket
  };

  std::int64_t EpochAt(Clock::time_point now) const;

  const std::shared_ptr<const std::vector<double>> quantiles_;
  const Clock::duration bucket_span_;  // max_age / age_buckets
  const std::size_t max_per_bucket_;
  const Clock::time_point origin_;  // epoch 0 starts here

  mutable std::mutex mu_;           // guards everything below
  std::vector<AgeBucket> buckets_;  // ring: epoch e lives at e % size
  double sum_ = 0;
  std::uint64_t count_ = 0;
  std::uint64_t rng_ = 0x9e3779b97f4a7c15;  // xorshift64 state for reservoir sampling
};

// Checks quantiles for a summary: each in [0, 1], strictly increasing. Returns false when
// invalid.
bool ValidateQuantiles(const std::vector<double>& quantiles);

}  // namespace tsdbd::metrics
