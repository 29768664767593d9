// A monotonically increasing value, such as a number of requests or bytes.
#pragma once

#include <atomic>
#include <cassert>
#include <cmath>
#include <cstdint>

namespace tsdbd::metrics {

// Thread-safe and lock-free. Inc and integral Add are one atomic add on an integer; a
// fractional Add is a compare-and-swap loop on a double. Value() is their sum.
class Counter {
 public:
  struct Options {};  // What a Family needs to make a child; counters need nothing.

  Counter() = default;
  explicit Counter(const Options&) {}
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  void Inc() { integral_.fetch_add(1, std::memory_order_relaxed); }

  // v must be >= 0 (a decreasing counter is a programming error; asserted in debug builds,
  // ignored in release).
  void Add(double v) {
    assert(v >= 0);
    if (!(v >= 0)) return;
    if (v < 0x1p53 && v == std::floor(v)) {
      integral_.fetch_add(static_cast<std::uint64_t>(v), std::memory_order_relaxed);
      return;
    }
    double old = fractional_.load(std::memory_order_relaxed);
    while (!fractional_.compare_exchange_weak(old, old + v, std::memory_order_relaxed)) {
    }
  }

  double Value() const {
    return static_cast<double>(integral_.load(std::memory_order_relaxed)) +
           fractional_.load(std::memory_order_relaxed);
  }

 private:
  std::atomic<std::uint64_t> integral_{0};  // sum of Inc and of integral Adds
  std::atomic<double> fractional_{0};       // sum of the other Adds
};

}  // namespace tsdbd::metrics
