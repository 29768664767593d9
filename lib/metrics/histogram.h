// Observations counted in buckets by upper bound, with their sum and count, as in a
// Prometheus histogram (_bucket{le="..."}, _sum, _count).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace tsdbd::metrics {

// Prometheus's default buckets: .005 .01 .025 .05 .1 .25 .5 1 2.5 5 10.
std::vector<double> DefaultBuckets();
// count buckets: start, start+width, ... (count >= 1, width > 0).
std::vector<double> LinearBuckets(double start, double width, int count);
// count buckets: start, start*factor, ... (count >= 1, start > 0, factor > 1).
std::vector<double> ExponentialBuckets(double start, double factor, int count);

// Thread-safe and lock-free: Observe is a search over the bounds, an atomic add on one
// bucket and a compare-and-swap on the sum. The count is the sum of the buckets, so a scrape
// always sees _count equal to the +Inf bucket; _sum may miss an observation in flight.
class Histogram {
 public:
  struct Options {
    // Upper bounds, strictly increasing, without +Inf (validated by the Registry).
    std::shared_ptr<const std::vector<double>> bounds;
  };

  // The Options' bounds must be valid (see ValidateBuckets).
  explicit Histogram(const Options& options);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  // A value equal to a bound counts in that bound's bucket (le is "less or equal"). NaN
  // counts in the +Inf bucket and makes the sum NaN, as in Prometheus.
  void Observe(double v);

  // A consistent-enough copy: counts per bucket (not cumulative; the last is +Inf).
  struct Snapshot {
    std::vector<std::uint64_t> bucket_counts;
    double sum = 0;
    std::uint64_t count = 0;
  };
  Snapshot Read() const;

  std::span<const double> bounds() const { return *bounds_; }

 private:
  std::shared_ptr<const std::vector<double>> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // bounds_->size() + 1 buckets
  std::atomic<double> sum_{0};
};

// Checks bounds for a histogram: none NaN, strictly increasing. A trailing +Inf is removed
// (the +Inf bucket always exists). Returns false when invalid.
bool ValidateBuckets(std::vector<double>& bounds);

}  // namespace tsdbd::metrics
