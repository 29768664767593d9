// The metric types of the Prometheus text exposition format that tsdbd writes.
#pragma once

#include <string_view>

namespace tsdbd::metrics {

enum class MetricType { kCounter, kGauge, kHistogram, kSummary, kUntyped };

// The word on the "# TYPE" line: "counter", "gauge", "histogram", "summary", "untyped".
constexpr std::string_view MetricTypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
    case MetricType::kSummary:
      return "summary";
    case MetricType::kUntyped:
      return "untyped";
  }
  return "untyped";
}

}  // namespace tsdbd::metrics
