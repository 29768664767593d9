// static_configs: targets written in the configuration.
#pragma once

#include <vector>

#include "lib/config/config.h"
#include "lib/scrape/discovery/discoverer.h"

namespace tsdbd::scrape::discovery {

// One group per static config, sourced by its index ("0", "1", ...), each target as
// {__address__: target}, the config's labels as the group's labels.
std::vector<TargetGroup> StaticGroups(const std::vector<config::StaticConfig>& configs);

// Reports StaticGroups(configs) once, from Start; has no thread.
class StaticDiscoverer : public Discoverer {
 public:
  explicit StaticDiscoverer(std::vector<config::StaticConfig> configs)
      : configs_(std::move(configs)) {}
  void Start(UpdateFn on_update) override { on_update(StaticGroups(configs_)); }
  void Stop() override {}

 private:
  std::vector<config::StaticConfig> configs_;
};

}  // namespace tsdbd::scrape::discovery
