// A parsed PromQL test script in Prometheus 2.42's language (promql/testdata/*.test):
//
//   # comment
//   load <step>
//     <series description>...
//   clear
//   eval[_fail|_ordered] instant at <duration> <expr>
//     <series> <value>...     (or one bare number for a scalar result)
//
// 2.42 has instant evaluations only; the runner also checks each one as a range query.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/model/labels.h"
#include "lib/model/result.h"
#include "lib/promql/testscript/series_desc.h"

namespace tsdbd::promql::testscript {

struct LoadCommand {
  int64_t step_ms = 0;
  std::vector<SeriesDesc> series;  // a series given twice keeps its last description
};

struct ExpectedSample {
  Labels labels;
  double value = 0;
  int pos = 0;   // 1-based position among the expectation lines (checked by eval_ordered)
  int line = 0;  // 1-based line in the script
};

struct EvalCommand {
  std::string expr;
  int64_t time_ms = 0;
  bool fail = false;             // eval_fail: the query must fail
  bool ordered = false;          // eval_ordered: the result's order must be the expectation's
  std::optional<double> scalar;  // a bare number: the result must be this scalar
  std::vector<ExpectedSample> samples;  // a later line with the same labels replaces one
};

struct Command {
  enum class Kind { kLoad, kClear, kEval };
  Kind kind = Kind::kClear;
  int line = 0;  // 1-based line of the command
  LoadCommand load;
  EvalCommand eval;
};

struct Script {
  std::vector<Command> commands;
};

// Parses a script. Errors read "<line>: <message>" with the 1-based line; expressions are
// parsed here (a parse error is a script error, as in Prometheus, not an eval_fail).
Result<Script> ParseScript(std::string_view text);

}  // namespace tsdbd::promql::testscript
