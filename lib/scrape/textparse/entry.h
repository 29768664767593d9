// What a pull parser found next in an exposition body.
#pragma once

#include <cstdint>
#include <string_view>

namespace tsdbd::scrape::textparse {

enum class Entry {
  kType,     // # TYPE: MetadataName() and Type()
  kHelp,     // # HELP: MetadataName() and Help()
  kUnit,     // # UNIT (OpenMetrics): MetadataName() and Unit()
  kComment,  // any other # line (text format only): Comment()
  kSeries,   // a sample: Series(), Value(), Timestamp(), BuildLabels(), Exemplar()
  kEOF,      // end of the body (OpenMetrics: the # EOF line); every later Next() says so too
};

// Metric types of both formats. Text format "untyped" reads as kUnknown, as in Prometheus.
enum class MetricType : uint8_t {
  kUnknown,
  kCounter,
  kGauge,
  kHistogram,
  kGaugeHistogram,
  kSummary,
  kInfo,
  kStateset,
};

// "unknown", "counter", ... as Prometheus names them in its metadata API.
std::string_view MetricTypeName(MetricType type);

}  // namespace tsdbd::scrape::textparse
