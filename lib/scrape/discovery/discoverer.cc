#include "lib/scrape/discovery/discoverer.h"

#include <set>
#include <string>

namespace tsdbd::scrape::discovery {

bool GroupDiffer::Update(const std::vector<TargetGroup>& current, std::vector<TargetGroup>* out) {
  if (sent_ && current == last_) return false;
  std::set<std::string> now;
  for (const TargetGroup& g : current) now.insert(g.source);
  *out = current;
  for (const TargetGroup& g : last_) {
    if (!now.contains(g.source))
      out->push_back(TargetGroup{.source = g.source, .targets = {}, .labels = {}});
  }
  last_ = current;
  sent_ = true;
  return true;
}

}  // namespace tsdbd::scrape::discovery
