// Validity of metric and label names and values, as Prometheus's data model defines them.
#pragma once

#include <cstdint>
#include <string_view>

namespace tsdbd {

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool IsValidMetricName(std::string_view name);

// [a-zA-Z_][a-zA-Z0-9_]* (names starting with "__" are valid but reserved).
bool IsValidLabelName(std::string_view name);

// Valid UTF-8.
bool IsValidLabelValue(std::string_view value);

}  // namespace tsdbd
