// The implementations of PromQL's functions, called by the engine once per step.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "lib/promql/ast.h"
#include "lib/promql/value.h"

namespace tsdbd::promql {

// The window a range-vector function sees at one step.
struct RangeWindow {
  std::span<const Point> points;  // non-empty, in time order, no stale markers
  int64_t eval_ts = 0;            // the step's evaluation time
  int64_t range_start = 0;        // the window's bounds (inclusive), milliseconds
  int64_t range_end = 0;
  int64_t range_ms = 0;
  double params[2] = {0, 0};  // scalar arguments other than the range vector, in order
  bool has_decrease = true;   // false: no point is lower than the one before it
};

// Computes the value of a range-vector function; false when the step has no output.
// May throw EvalError (holt_winters' parameter checks).
using RangeFunction = bool (*)(const RangeWindow& w, double* out);

// The range-vector function called `name` (rate, *_over_time, ...), or null.
RangeFunction LookupRangeFunction(std::string_view name);

// An instant-vector function at one step: `args` holds one vector per argument (scalars as
// one sample, string arguments empty: read them from call.args). Appends to `out`.
using VectorFunction = void (*)(std::span<const Vector> args, const Call& call, int64_t ts,
                                Vector& out);

// The function called `name` whose arguments are not range vectors, or null.
VectorFunction LookupVectorFunction(std::string_view name);

// Prometheus's quantile over values (sorts `values`): NaN for none, -Inf for q < 0,
// +Inf for q > 1, linear interpolation between ranks.
double Quantile(double q, std::vector<double>& values);

// Labels without __name__.
Labels DropMetricName(const Labels& l);

// Go's math.Max / math.Min (NaN wins; +0 > -0).
double GoMax(double a, double b);
double GoMin(double a, double b);

}  // namespace tsdbd::promql
