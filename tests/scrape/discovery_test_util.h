// Helpers for the discovery tests: a thread-safe sink for discoverer and manager updates.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "lib/scrape/discovery/manager.h"
#include "lib/scrape/discovery/target_group.h"
#include "tests/testing/process.h"

namespace tsdbd::scrape::discovery {

// Records every update a discoverer sends.
class UpdateSink {
 public:
  UpdateFn Fn() {
    return [this](std::vector<TargetGroup> groups) {
      std::lock_guard lock(mu_);
      updates_.push_back(std::move(groups));
    };
  }
  size_t count() const {
    std::lock_guard lock(mu_);
    return updates_.size();
  }
  std::vector<TargetGroup> last() const {
    std::lock_guard lock(mu_);
    return updates_.empty() ? std::vector<TargetGroup>{} : updates_.back();
  }
  std::vector<std::vector<TargetGroup>> all() const {
    std::lock_guard lock(mu_);
    return updates_;
  }
  // Waits until the last update satisfies `pred`.
  bool WaitLast(const std::function<bool(const std::vector<TargetGroup>&)>& pred,
                std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
    return testing::WaitUntil([&] { return count() > 0 && pred(last()); }, timeout);
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::vector<TargetGroup>> updates_;
};

// Records every delivery of a Manager.
class JobSink {
 public:
  std::function<void(const JobGroups&)> Fn() {
    return [this](const JobGroups& groups) {
      std::lock_guard lock(mu_);
      deliveries_.push_back(groups);
    };
  }
  size_t count() const {
    std::lock_guard lock(mu_);
    return deliveries_.size();
  }
  JobGroups last() const {
    std::lock_guard lock(mu_);
    return deliveries_.empty() ? JobGroups{} : deliveries_.back();
  }
  bool WaitLast(const std::function<bool(const JobGroups&)>& pred,
                std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
    return testing::WaitUntil([&] { return count() > 0 && pred(last()); }, timeout);
  }

 private:
  mutable std::mutex mu_;
  std::vector<JobGroups> deliveries_;
};

// The __address__ of every target of `groups`, in order.
inline std::vector<std::string> Addresses(const std::vector<TargetGroup>& groups) {
  std::vector<std::string> out;
  for (const TargetGroup& g : groups) {
    for (const Labels& t : g.targets) out.emplace_back(t.Get("__address__"));
  }
  return out;
}

inline const TargetGroup* FindGroup(const std::vector<TargetGroup>& groups,
                                    const std::string& source) {
  for (const TargetGroup& g : groups) {
    if (g.source == source) return &g;
  }
  return nullptr;
}

}  // namespace tsdbd::scrape::discovery
