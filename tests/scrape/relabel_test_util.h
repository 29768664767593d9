// Relabel rules for tests, written as prometheus.yml and parsed by the real config loader
// (so defaults and validation are Prometheus's).
#pragma once

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "lib/config/config.h"

namespace tsdbd::scrape::testing {

// `rules_yaml` is the YAML list under relabel_configs, unindented.
inline std::vector<config::RelabelConfig> ParseRules(const std::string& rules_yaml) {
  std::string yaml = "scrape_configs:\n  - job_name: t\n    relabel_configs:\n";
  std::istringstream lines(rules_yaml);
  for (std::string line; std::getline(lines, line);) yaml += "      " + line + "\n";
  Result<config::Config> cfg = config::ParseConfig(yaml, "rules.yml");
  EXPECT_TRUE(cfg.ok()) << (cfg.ok() ? "" : cfg.error().message()) << "\n" << yaml;
  if (!cfg.ok() || cfg->scrape_configs.empty()) return {};
  return cfg->scrape_configs[0].relabel_configs;
}

}  // namespace tsdbd::scrape::testing
