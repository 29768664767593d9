// An OpenMetrics exemplar: `# {labels} value [timestamp]` after a sample.
#pragma once

#include <cstdint>
#include <optional>

#include "lib/model/labels.h"

namespace tsdbd::scrape::textparse {

struct Exemplar {
  Labels labels;  // sorted; empty values dropped
  double value = 0;
  std::optional<int64_t> timestamp;  // milliseconds (the body gives float seconds)
};

}  // namespace tsdbd::scrape::textparse
