// Series descriptions of Prometheus's PromQL test scripts: `metric{l="v"} 1+2x3 _ stale`,
// as `load` blocks and `eval` expectations write them (Prometheus 2.42's grammar).
#pragma once

#include <string_view>
#include <vector>

#include "lib/model/labels.h"
#include "lib/model/result.h"

namespace tsdbd::promql::testscript {

// One element of an expanded value sequence: a value, or a step with no sample (`_`).
struct SequenceValue {
  double value = 0;
  bool omitted = false;
};

struct SeriesDesc {
  Labels labels;
  std::vector<SequenceValue> values;
};

// Expands a value sequence: `a` (one value), `axn` (a, n+1 times), `a+bxn` / `a-bxn`
// (n+1 values from a in steps of b), `_` (one missing sample), `_xn` (n missing samples),
// `stale` (a stale marker), `Inf`, `-Inf`, `NaN`. Items are separated by spaces.
Result<std::vector<SequenceValue>> ParseSequence(std::string_view text);

// Parses `metric{name="value", ...} <sequence>`; the metric name or the label set may be
// left out (`{}` is the empty label set). Label values are Go string literals.
Result<SeriesDesc> ParseSeriesDesc(std::string_view line);

// Go's strconv.ParseInt(s, 0, 64) then ParseFloat(s, 64), as the scripts read a scalar
// expectation: false when `s` is not a number.
bool ParseScalar(std::string_view s, double* out);

}  // namespace tsdbd::promql::testscript
