// The evaluator behind Engine: evaluates every expression over a range of steps to a
// matrix (one point per step a series has a value at), as Prometheus's engine does; an
// instant query is a range of one step. Internal to lib/promql.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "lib/promql/engine/engine.h"
#include "lib/promql/engine/eval_error.h"
#include "lib/promql/value.h"

namespace tsdbd::promql {

// What one query shares between its evaluators (subqueries and step-invariant parts get
// their own evaluator).
struct QueryState {
  const EngineOptions* options = nullptr;
  int64_t query_start = 0;  // for @ start()
  int64_t query_end = 0;    // for @ end()
  std::unordered_map<const VectorSelector*, std::vector<std::shared_ptr<const storage::Series>>>
      selected;
  int64_t current_samples = 0;
  std::chrono::steady_clock::time_point deadline;
  const CancelToken* cancel = nullptr;
  std::vector<std::string> warnings;
  unsigned checks = 0;

  // Throws EvalError when the query was canceled or ran out of time.
  void CheckDone(bool force = false);
  // Accounts for `n` more points held; throws when over max_samples.
  void AddSamples(int64_t n);
  // Throws when more than max_samples points are held.
  void CheckSamples() const;
};

// The per-step view of one argument: the samples of series that have a point at the step,
// and for each the index of its series in the argument's matrix.
struct StepArg {
  Vector samples;
  std::vector<uint32_t> series;
};

// Time arithmetic that stops at int64's ends instead of overflowing. @ may put a selector at
// the ends of time, where Prometheus's Go arithmetic wraps around; nothing is stored there,
// so either way nothing is selected.
int64_t SaturatingAdd(int64_t a, int64_t b);
int64_t SaturatingSub(int64_t a, int64_t b);

class Evaluator {
 public:
  // interval >= 1.
  Evaluator(QueryState* q, int64_t start, int64_t end, int64_t interval);

  Matrix Eval(const Expr& e);

  // Evaluates each of `args` (null or string-typed: skipped) and calls fn at every step
  // with their values there; collects fn's output into series (an instant evaluation keeps
  // the output order). `init` may precompute per-series data for each argument matrix.
  using StepFn = std::function<void(std::span<StepArg> args, int64_t ts, Vector& out)>;
  using InitFn = std::function<void(size_t arg, const Matrix& m)>;
  Matrix RangeEval(std::span<const Expr* const> args, const StepFn& fn,
                   const InitFn& init = nullptr);

  int64_t start() const { return start_; }
  int64_t end() const { return end_; }
  int64_t interval() const { return interval_; }
  // The steps start, start + interval, ... up to end (none when end is before start).
  int64_t NumSteps() const { return steps_; }
  // The time of step i < NumSteps(): never beyond end, so never overflowing.
  int64_t StepTime(int64_t i) const { return start_ + i * interval_; }

 private:
  Matrix EvalStepInvariant(const Expr& e);
  Matrix EvalVectorSelector(const VectorSelector& vs, bool timestamps);
  Matrix EvalMatrixSelector(const MatrixSelector& ms);
  Matrix EvalSubquery(const SubqueryExpr& sq);
  Matrix EvalUnary(const UnaryExpr& u);
  Matrix EvalBinary(const BinaryExpr& b);
  Matrix EvalAggregate(const AggregateExpr& a);
  Matrix EvalCall(const Call& c);
  Matrix EvalRangeCall(const Call& c, size_t matrix_arg);
  // Throws when timestamp(selector)'s result `m`, evaluated with `before` points held,
  // was over max_samples at some step as Prometheus counts it.
  void CheckTimestampSamples(const Matrix& m, int64_t before) const;
  // The time a selector with these modifiers reads at for evaluation time ts.
  int64_t RefTime(const AtModifier& at, Duration offset, int64_t ts) const;
  const std::vector<std::shared_ptr<const storage::Series>>& Selected(const VectorSelector& vs);

  QueryState* q_;
  int64_t start_, end_, interval_;
  int64_t steps_;
};

const Expr* Unparen(const Expr* e);
bool IsStepInvariant(const Expr& e);
int64_t ToMillis(Duration d);
// Whether two series in the matrix have the same labels.
bool ContainsSameLabelset(const Matrix& m);
bool ContainsSameLabelset(const Vector& v);

// Per-step binary operations and aggregation (binary_ops.cc, aggregation.cc).
double ScalarBinop(BinaryOp op, double l, double r);
// false: the element is filtered out (comparison without bool).
bool VectorElemBinop(BinaryOp op, double l, double r, double* out);

}  // namespace tsdbd::promql
