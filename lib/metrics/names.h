// Which label names a self-metric may use.
#pragma once

#include <string_view>

#include "lib/model/names.h"

namespace tsdbd::metrics {

// A valid label name that is not reserved: names starting with "__" belong to Prometheus.
inline bool IsUsableLabelName(std::string_view name) {
  return tsdbd::IsValidLabelName(name) && !name.starts_with("__");
}

}  // namespace tsdbd::metrics
