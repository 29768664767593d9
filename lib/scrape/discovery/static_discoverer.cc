#include "lib/scrape/discovery/static_discoverer.h"

#include <string>
#include <utility>

namespace tsdbd::scrape::discovery {

namespace {

Labels FromLabelSet(const config::LabelSet& set) {
  std::vector<std::pair<std::string_view, std::string_view>> pairs(set.begin(), set.end());
  return Labels::FromPairs(pairs);
}

}  // namespace

std::vector<TargetGroup> StaticGroups(const std::vector<config::StaticConfig>& configs) {
  std::vector<TargetGroup> groups;
  groups.reserve(configs.size());
  for (size_t i = 0; i < configs.size(); ++i) {
    TargetGroup g;
    g.source = std::to_string(i);
    for (const std::string& t : configs[i].targets) g.targets.push_back(Labels{{"__address__", t}});
    g.labels = FromLabelSet(configs[i].labels);
    groups.push_back(std::move(g));
  }
  return groups;
}

}  // namespace tsdbd::scrape::discovery
