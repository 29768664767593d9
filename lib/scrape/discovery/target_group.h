// Target groups: what service discovery hands to the scrape (and notifier) side, as
// Prometheus 2.42's targetgroup.Group.
#pragma once

#include <string>
#include <vector>

#include "lib/model/labels.h"

namespace tsdbd::scrape::discovery {

// A set of targets from one source of one discoverer, sharing common labels. Each target
// holds __address__ and the __meta_* labels of its mechanism. A group with no targets tells
// consumers that the source's targets are gone.
struct TargetGroup {
  std::string source;  // unique within its discoverer: "0", "<file>:<index>", a DNS name
  std::vector<Labels> targets;
  Labels labels;  // applied to every target that does not set the same name itself
  friend bool operator==(const TargetGroup&, const TargetGroup&) = default;
};

}  // namespace tsdbd::scrape::discovery
