// PromQL values: what an evaluation produces (scalars, strings, instant vectors, range
// vectors) and the result of a query.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lib/model/labels.h"
#include "lib/promql/ast.h"

namespace tsdbd::promql {

struct Point {
  int64_t t = 0;  // milliseconds
  double v = 0;
};

// One element of an instant vector.
struct Sample {
  Labels metric;
  int64_t t = 0;
  double v = 0;
};
using Vector = std::vector<Sample>;

// One series of a range vector (a matrix): points in timestamp order.
struct Series {
  Labels metric;
  std::vector<Point> points;
};
using Matrix = std::vector<Series>;

struct QueryResult {
  // kScalar, kString, kVector or kMatrix.
  ValueType type = ValueType::kNone;
  Point scalar;  // for kScalar: t is the evaluation time
  int64_t string_t = 0;
  std::string string;  // for kString
  Vector vector;       // for kVector, in Prometheus's order
  Matrix matrix;       // for kMatrix (range queries: sorted by labels)
  std::vector<std::string> warnings;
};

}  // namespace tsdbd::promql
