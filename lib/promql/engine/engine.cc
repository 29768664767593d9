#include "lib/promql/engine/engine.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "lib/promql/engine/evaluator.h"
#include "lib/promql/functions.h"

namespace tsdbd::promql {

const char* QueryErrorTypeName(QueryErrorType t) {
  switch (t) {
    case QueryErrorType::kBadData:
      return "bad_data";
    case QueryErrorType::kExecution:
      return "execution";
    case QueryErrorType::kTimeout:
      return "timeout";
    case QueryErrorType::kCanceled:
      return "canceled";
    case QueryErrorType::kInternal:
      return "internal";
  }
  return "internal";
}

namespace {

// Finds every selector with the time range it reads (as Prometheus's hints describe it).
class SelectorPlanner {
 public:
  SelectorPlanner(int64_t start, int64_t end, int64_t step, int64_t lookback)
      : start_(start), end_(end), step_(step), lookback_(lookback) {}

  struct Planned {
    const VectorSelector* vs;
    storage::SelectHints hints;
  };

  // `sub_offset`/`sub_range` accumulate the enclosing subqueries; `sub_at` is the @ time
  // of the innermost enclosing subquery with one.
  void Walk(const Expr& e, const std::string& func, int64_t sub_offset, int64_t sub_range,
            const AtModifier* sub_at, int64_t range) {
    switch (e.kind) {
      case ExprKind::kNumberLiteral:
      case ExprKind::kStringLiteral:
        return;
      case ExprKind::kVectorSelector: {
        const auto& vs = static_cast<const VectorSelector&>(e);
        int64_t s = start_, en = end_;
        if (sub_at != nullptr) s = en = At(*sub_at);
        s = SaturatingSub(s, SaturatingAdd(sub_offset, sub_range));
        en = SaturatingSub(en, sub_offset);
        if (vs.at.kind != AtModifier::Kind::kNone) s = en = At(vs.at);
        s = SaturatingSub(s, range == 0 ? lookback_ : range);
        s = SaturatingSub(s, ToMillis(vs.offset));
        en = SaturatingSub(en, ToMillis(vs.offset));
        storage::SelectHints h;
        h.start_ms = s;
        h.end_ms = en;
        h.step_ms = step_;
        h.func = func;
        h.range_ms = range;
        planned.push_back({&vs, h});
        mint = std::min(mint, s);
        maxt = std::max(maxt, en);
        return;
      }
      case ExprKind::kMatrixSelector: {
        const auto& ms = static_cast<const MatrixSelector&>(e);
        Walk(*ms.selector, func, sub_offset, sub_range, sub_at, ToMillis(ms.range));
        return;
      }
      case ExprKind::kSubquery: {
        const auto& sq = static_cast<const SubqueryExpr&>(e);
        Walk(*sq.expr, "", SaturatingAdd(sub_offset, ToMillis(sq.offset)),
             SaturatingAdd(sub_range, ToMillis(sq.range)),
             sq.at.kind != AtModifier::Kind::kNone ? &sq.at : sub_at, 0);
        return;
      }
      case ExprKind::kParen:
        Walk(*static_cast<const ParenExpr&>(e).expr, func, sub_offset, sub_range, sub_at, range);
        return;
      case ExprKind::kUnary:
        Walk(*static_cast<const UnaryExpr&>(e).expr, func, sub_offset, sub_range, sub_at, range);
        return;
      case ExprKind::kBinary: {
        const auto& b = static_cast<const BinaryExpr&>(e);
        Walk(*b.lhs, func, sub_offset, sub_range, sub_at, 0);
        Walk(*b.rhs, func, sub_offset, sub_range, sub_at, 0);
        return;
      }
      case ExprKind::kAggregate: {
        const auto& a = static_cast<const AggregateExpr&>(e);
        if (a.param) Walk(*a.param, func, sub_offset, sub_range, sub_at, 0);
        Walk(*a.expr, func, sub_offset, sub_range, sub_at, 0);
        return;
      }
      case ExprKind::kCall: {
        const auto& c = static_cast<const Call&>(e);
        for (const auto& a : c.args) {
          Walk(*a, std::string(c.func->name), sub_offset, sub_range, sub_at, 0);
        }
        return;
      }
    }
  }

  std::vector<Planned> planned;
  int64_t mint = std::numeric_limits<int64_t>::max();
  int64_t maxt = std::numeric_limits<int64_t>::min();

 private:
  int64_t At(const AtModifier& at) const {
    switch (at.kind) {
      case AtModifier::Kind::kTimestamp:
        return at.timestamp_ms;
      case AtModifier::Kind::kStart:
        return start_;
      case AtModifier::Kind::kEnd:
        return end_;
      default:
        return start_;
    }
  }
  int64_t start_, end_, step_, lookback_;
};

QueryOutcome Fail(QueryErrorType type, std::string message) {
  QueryOutcome o;
  o.failed = true;
  o.error = {type, std::move(message)};
  return o;
}

}  // namespace

QueryOutcome Engine::Instant(storage::Queryable& storage, const Expr& expr, int64_t t_ms,
                             const CancelToken* cancel) const {
  return Exec(storage, expr, t_ms, t_ms, 0, cancel);
}

QueryOutcome Engine::Range(storage::Queryable& storage, const Expr& expr, int64_t start_ms,
                           int64_t end_ms, int64_t step_ms, const CancelToken* cancel) const {
  const ValueType t = expr.Type();
  if (t != ValueType::kScalar && t != ValueType::kVector) {
    return Fail(QueryErrorType::kBadData,
                std::string("invalid expression type \"") + DocumentedTypeName(t) +
                    "\" for range query, must be Scalar or instant Vector");
  }
  if (step_ms < 0)
    return Fail(
        QueryErrorType::kBadData,
        "zero or negative query resolution step widths are not accepted. Try a positive integer");
  // A step under a millisecond (the API takes nanoseconds) is 0 here, which Prometheus
  // divides by; an end before the start (only where the API's times wrap around as
  // milliseconds) has no steps.
  if (step_ms == 0) {
    return Fail(QueryErrorType::kExecution,
                "unexpected error: runtime error: integer divide by zero");
  }
  return Exec(storage, expr, start_ms, end_ms, step_ms, cancel);
}

QueryOutcome Engine::Exec(storage::Queryable& storage, const Expr& expr, int64_t start_ms,
                          int64_t end_ms, int64_t interval_ms, const CancelToken* cancel) const {
  QueryState st;
  st.options = &options_;
  st.query_start = start_ms;
  st.query_end = end_ms;
  st.cancel = cancel;
  st.deadline = std::chrono::steady_clock::now() + options_.timeout;
  QueryOutcome outcome;
  QueryResult& r = outcome.result;
  // Prometheus checks its deadline before it evaluates anything (and, at random, before that
  // in its queue).
  if (std::chrono::steady_clock::now() > st.deadline) {
    return Fail(QueryErrorType::kTimeout, "query timed out in query execution");
  }
  const Expr* top = Unparen(&expr);
  if (top->kind == ExprKind::kStringLiteral && top != &expr) {
    // Prometheus 2.42 evaluates a parenthesised string as a step-invariant expression, which
    // must give a matrix, and fails the query (a bare string is answered as a string).
    return Fail(QueryErrorType::kExecution,
                "unexpected result in StepInvariantExpr evaluation: *parser.StepInvariantExpr");
  }
  if (top->kind == ExprKind::kStringLiteral) {
    r.type = ValueType::kString;
    r.string = static_cast<const StringLiteral*>(top)->value;
    r.string_t = start_ms;
    return outcome;
  }
  try {
    SelectorPlanner planner(start_ms, end_ms, interval_ms, ToMillis(options_.lookback_delta));
    planner.Walk(expr, "", 0, 0, nullptr, 0);
    std::unique_ptr<storage::Querier> querier;
    if (!planner.planned.empty()) {
      auto q = storage.NewQuerier(planner.mint, planner.maxt);
      if (!q.ok()) return Fail(QueryErrorType::kInternal, q.error().message());
      querier = std::move(q.value());
      for (const auto& p : planner.planned) {
        auto set = querier->Select(true, &p.hints, p.vs->matchers);
        auto& list = st.selected[p.vs];
        while (set->Next()) list.push_back(set->At());
        if (!set->Err().ok()) return Fail(QueryErrorType::kInternal, set->Err().message());
        for (auto& w : set->Warnings()) st.warnings.push_back(std::move(w));
      }
    }
    st.CheckDone(true);
    Evaluator ev(&st, start_ms, end_ms, interval_ms == 0 ? 1 : interval_ms);
    Matrix m = ev.Eval(expr);
    r.warnings = std::move(st.warnings);
    const ValueType type = expr.Type();
    if (interval_ms == 0) {
      if (type == ValueType::kScalar) {
        r.type = ValueType::kScalar;
        r.scalar = {start_ms, m.empty() || m[0].points.empty() ? NAN : m[0].points[0].v};
      } else if (type == ValueType::kVector) {
        r.type = ValueType::kVector;
        r.vector.reserve(m.size());
        for (Series& s : m) r.vector.push_back({std::move(s.metric), start_ms, s.points[0].v});
      } else {
        r.type = ValueType::kMatrix;
        r.matrix = std::move(m);
      }
      return outcome;
    }
    r.type = ValueType::kMatrix;
    std::sort(m.begin(), m.end(),
              [](const Series& a, const Series& b) { return a.metric < b.metric; });
    r.matrix = std::move(m);
    return outcome;
  } catch (const EvalError& e) {
    return Fail(e.type, e.message);
  }
}

}  // namespace tsdbd::promql
