// The interface of one service-discovery mechanism instance (one config entry).
#pragma once

#include <functional>
#include <vector>

#include "lib/scrape/discovery/target_group.h"

namespace tsdbd::scrape::discovery {

// Receives a discoverer's full, current list of groups. A source that disappeared since the
// previous call is listed once more with no targets, then omitted. Called from the
// discoverer's own thread (or from Start for discoverers without one); it must not call
// Stop on the same discoverer.
using UpdateFn = std::function<void(std::vector<TargetGroup> groups)>;

class Discoverer {
 public:
  virtual ~Discoverer() = default;

  // Starts discovery; on_update is called once with the first result (even when it is
  // empty), then whenever the result changes. Called at most once.
  virtual void Start(UpdateFn on_update) = 0;

  // Stops background work and waits for it (bounded by one I/O timeout at most); no call of
  // on_update runs after it returns. Idempotent; the destructor calls it.
  virtual void Stop() = 0;
};

// Tracks the last result a discoverer sent, so that it sends only changes and lists a
// vanished source once with no targets. Not thread-safe.
class GroupDiffer {
 public:
  // Whether `current` must be sent; when it must, `*out` receives it followed by an empty
  // group for every source that was in the previous result and is not in `current`.
  bool Update(const std::vector<TargetGroup>& current, std::vector<TargetGroup>* out);

 private:
  bool sent_ = false;
  std::vector<TargetGroup> last_;
};

}  // namespace tsdbd::scrape::discovery
