// Validity of metric and label names, as the Prometheus data model defines them.
#pragma once

#include <string_view>

namespace tsdbd::metrics {

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool IsValidMetricName(std::string_view name);

// [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__" (reserved for internal use).
bool IsValidLabelName(std::string_view name);

}  // namespace tsdbd::metrics
