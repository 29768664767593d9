// How far the WAL replay is, for /api/v1/status/walreplay (which answers while the server is
// not yet ready), in Prometheus 2.42's terms: from the newest checkpoint's index (0 without
// one) to the last segment, and the last segment replayed (the first index until one is).
// Zeros until the replay starts.
#pragma once

#include <mutex>

namespace tsdbd::tsdb {

// Thread-safe.
class WalReplayStatus {
 public:
  struct Segments {
    int min = 0;
    int max = 0;
    int current = 0;  // the last segment replayed
  };

  void Start(int min, int max) {
    std::lock_guard lock(mu_);
    segments_ = {min, max, min};
  }
  // Segment `index` is replayed.
  void Finished(int index) {
    std::lock_guard lock(mu_);
    segments_.current = index;
  }
  Segments Get() const {
    std::lock_guard lock(mu_);
    return segments_;
  }

 private:
  mutable std::mutex mu_;
  Segments segments_;
};

}  // namespace tsdbd::tsdb
