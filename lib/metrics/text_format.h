// Lines of the Prometheus text exposition format 0.0.4, written as the Go client writes them.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "lib/metrics/counter.h"
#include "lib/metrics/gauge.h"
#include "lib/metrics/histogram.h"
#include "lib/metrics/metric_type.h"
#include "lib/metrics/summary.h"

namespace tsdbd::metrics {

struct LabelRef {
  std::string_view name;
  std::string_view value;
};

// "# HELP name help\n# TYPE name type\n"; the help has \ and newline escaped.
void AppendHelpAndType(std::string& out, std::string_view name, std::string_view help,
                       MetricType type);

// A sample value: FormatFloatG, except that a zero of either sign is "0" (as the Go client).
void AppendSampleValue(std::string& out, double v);

// Escapes \ as \\, " as \" and newline as \n.
void AppendEscapedLabelValue(std::string& out, std::string_view value);

// "name<suffix>{l1="v1",...} value\n", or "name<suffix> value\n" without labels. Labels are
// written in the order given.
void AppendSample(std::string& out, std::string_view name, std::string_view suffix,
                  std::span<const LabelRef> labels, double value);

// As AppendSample with one more label last, whose value is a float: the le of a bucket.
void AppendSampleWithBound(std::string& out, std::string_view name, std::string_view suffix,
                           std::span<const LabelRef> labels, std::string_view bound_label,
                           double bound, double value);

// The sample lines of one child of a family (no HELP or TYPE).
void AppendMetricText(std::string& out, std::string_view name, std::span<const LabelRef> labels,
                      const Counter& counter);
void AppendMetricText(std::string& out, std::string_view name, std::span<const LabelRef> labels,
                      const Gauge& gauge);
// Cumulative _bucket lines with le last ("0.005" ... "+Inf"), then _sum and _count.
void AppendMetricText(std::string& out, std::string_view name, std::span<const LabelRef> labels,
                      const Histogram& histogram);
// One line per quantile with quantile last ("0.5"; NaN while the window is empty), then _sum
// and _count.
void AppendMetricText(std::string& out, std::string_view name, std::span<const LabelRef> labels,
                      const Summary& summary);

}  // namespace tsdbd::metrics
