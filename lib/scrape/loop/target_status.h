// What the HTTP API shows about a scrape target (/api/v1/targets, /api/v1/targets/metadata):
// a snapshot, copied out under the loop's lock.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "lib/model/duration.h"
#include "lib/model/labels.h"

namespace tsdbd::scrape {

enum class TargetHealth { kUnknown, kUp, kDown };

// "unknown", "up", "down" as /api/v1/targets writes them.
std::string_view TargetHealthName(TargetHealth health);

struct TargetStatus {
  Labels labels;      // the target's public labels (no "__" names)
  Labels discovered;  // before relabeling
  std::string scrape_url;
  std::string scrape_pool;  // the job name
  Duration interval{0};
  Duration timeout{0};
  TargetHealth health = TargetHealth::kUnknown;
  std::string last_error;  // empty after a successful scrape
  // Wall-clock start of the last scrape; the epoch before the first.
  std::chrono::system_clock::time_point last_scrape{};
  double last_scrape_duration_seconds = 0;
};

// A target that relabeling dropped.
struct DroppedTarget {
  std::string scrape_pool;
  Labels discovered;
};

// TYPE/HELP/UNIT of one metric family as the target exposed it in its recent scrapes.
struct MetricMetadata {
  std::string metric;  // the family name
  std::string type;    // "counter", "gauge", ..., "unknown"
  std::string help;
  std::string unit;
};

struct TargetMetadata {
  Labels target;  // the target's public labels
  std::vector<MetricMetadata> metadata;
};

}  // namespace tsdbd::scrape
