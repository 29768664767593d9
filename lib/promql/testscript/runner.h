// Runs a parsed test script against MemoryStorage and the engine as Prometheus 2.42's
// promql.Test does: each `load` appends at times 0, step, 2*step, ...; `clear` starts
// from an empty storage; each `eval` runs as an instant query, and again
//  - as a range query from t-1m to t+1m with a 1m step, whose point at t must match too
//    (not for eval_ordered: range results have no order), and
//  - unless the expression uses a function whose result depends on the evaluation time
//    (time, timestamp, predict_linear, the date functions), with `@ t` put on every
//    selector and outermost subquery that has no @, at other times (-10t, 0, t/5, t, 10t;
//    or +-1000s when t is 0): the result must not change.
#pragma once

#include <string>
#include <vector>

#include "lib/promql/engine/engine.h"
#include "lib/promql/testscript/script.h"

namespace tsdbd::promql::testscript {

struct RunOptions {
  // Prometheus's test engine: 10000 samples at most, 1m default subquery step, 5m lookback.
  EngineOptions engine = [] {
    EngineOptions o;
    o.max_samples = 10000;
    o.timeout = std::chrono::seconds(100);
    o.default_evaluation_interval = std::chrono::minutes(1);
    o.lookback_delta = std::chrono::minutes(5);
    return o;
  }();
  bool check_range_mode = true;
  bool check_at_modifier = true;
};

struct Failure {
  int line = 0;  // 1-based line of the command that failed
  std::string message;
};

struct RunReport {
  int passed = 0;  // eval commands whose every check held
  int failed = 0;  // eval commands (or loads) that failed
  std::vector<Failure> failures;
};

// Runs every command of `script` in order; a failing eval does not stop the script, a
// failing load (out-of-order or duplicate samples) does, as later evals would be meaningless.
RunReport RunScript(const Script& script, const RunOptions& options = {});

}  // namespace tsdbd::promql::testscript
