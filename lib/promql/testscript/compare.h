// Comparison of a query result with an eval command's expectations, worded as Prometheus
// 2.42's test runner words its failures.
#pragma once

#include "lib/model/result.h"
#include "lib/promql/testscript/script.h"
#include "lib/promql/value.h"

namespace tsdbd::promql::testscript {

// Prometheus's almostEqual: equal, both NaN, or within 1e-6 relative error (differences
// next to zero compared against the smallest normal double).
bool AlmostEqual(double a, double b);

// Checks `result` (a scalar or an instant vector) against `ev`'s expectations: the same
// series (in any order, or in the expectation order when `ordered`), each value almost
// equal. A matrix or string result is a failure.
Status CompareResult(const EvalCommand& ev, const QueryResult& result, bool ordered);

}  // namespace tsdbd::promql::testscript
