// A value that goes up and down, such as a queue length or a temperature.
#pragma once

#include <atomic>
#include <chrono>

namespace tsdbd::metrics {

// Thread-safe and lock-free: Set is an atomic store, Add a compare-and-swap loop.
class Gauge {
 public:
  struct Options {};  // What a Family needs to make a child; gauges need nothing.

  Gauge() = default;
  explicit Gauge(const Options&) {}
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Inc() { Add(1); }
  void Dec() { Add(-1); }
  void Add(double v) {
    double old = value_.load(std::memory_order_relaxed);
    while (!value_.compare_exchange_weak(old, old + v, std::memory_order_relaxed)) {
    }
  }
  void Sub(double v) { Add(-v); }
  // Sets the gauge to the current wall-clock time in seconds since the Unix epoch.
  void SetToCurrentTime() {
    auto now = std::chrono::system_clock::now().time_since_epoch();
    Set(std::chrono::duration<double>(now).count());
  }

  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

}  // namespace tsdbd::metrics
