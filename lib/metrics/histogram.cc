#include "lib/metrics/histogram.h"

#include <cmath>
#include <limits>

namespace tsdbd::metrics {

std::vector<double> DefaultBuckets() {
  return {.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10};
}

std::vector<double> LinearBuckets(double start, double width, int count) {
  std::vector<double> b;
  for (int i = 0; i < count; ++i) b.push_back(start + width * i);
  return b;
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> b;
  double v = start;
  for (int i = 0; i < count; ++i, v *= factor) b.push_back(v);
  return b;
}

bool ValidateBuckets(std::vector<double>& bounds) {
  if (!bounds.empty() && bounds.back() == std::numeric_limits<double>::infinity()) {
    bounds.pop_back();
  }
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (std::isnan(bounds[i])) return false;
    if (i > 0 && !(bounds[i] > bounds[i - 1])) return false;
  }
  return true;
}

Histogram::Histogram(const Options& options)
    : bounds_(options.bounds),
      counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_->size() + 1)) {}

void Histogram::Observe(double v) {
  const std::vector<double>& b = *bounds_;
  std::size_t i = 0;
  const std::size_t n = b.size();
  if (n <= 16) {
    while (i < n && !(v <= b[i])) ++i;
  } else {  // binary search for the first bound >= v; NaN ends at n
    std::size_t lo = 0, hi = n;
    while (lo < hi) {
      std::size_t mid = lo + (hi - lo) / 2;
      if (v <= b[mid]) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    i = lo;
  }
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  double old = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(old, old + v, std::memory_order_relaxed)) {
  }
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot s;
  s.bucket_counts.resize(bounds_->size() + 1);
  for (std::size_t i = 0; i < s.bucket_counts.size(); ++i) {
    s.bucket_counts[i] = counts_[i].load(std::memory_order_relaxed);
    s.count += s.bucket_counts[i];
  }
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace tsdbd::metrics
