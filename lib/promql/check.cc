#include "lib/promql/check.h"

#include <algorithm>

#include "lib/model/go_quote.h"
#include "lib/promql/functions.h"

namespace tsdbd::promql {
namespace {

struct Failure {
  int pos;
  std::string message;
};

[[noreturn]] void Fail(int pos, std::string message) {
  throw Failure{pos, std::move(message)};
}

bool IsScalarOrVector(ValueType t) {
  return t == ValueType::kScalar || t == ValueType::kVector;
}

void ExpectType(const Expr& e, ValueType want, const std::string& context) {
  if (e.Type() != want) {
    Fail(e.pos.start, std::string("expected type ") + DocumentedTypeName(want) + " in " + context +
                          ", got " + DocumentedTypeName(e.Type()));
  }
}

void Check(const Expr& e);

void CheckSelector(const VectorSelector& vs) {
  if (!vs.name.empty()) {
    // The implicit name matcher is the last one; any other __name__ matcher repeats it.
    for (size_t i = 0; i + 1 < vs.matchers.size(); ++i) {
      if (vs.matchers[i].name() == "__name__") {
        Fail(vs.pos.start, "metric name must not be set twice: " + GoQuote(vs.name) + " or " +
                               GoQuote(vs.matchers[i].value()));
      }
    }
  }
  const bool all_empty = std::all_of(vs.matchers.begin(), vs.matchers.end(),
                                     [](const Matcher& m) { return m.Matches(""); });
  if (all_empty) Fail(vs.pos.start, "vector selector must contain at least one non-empty matcher");
}

void CheckBinary(const BinaryExpr& b) {
  Check(*b.lhs);
  Check(*b.rhs);
  const ValueType lt = b.lhs->Type();
  const ValueType rt = b.rhs->Type();
  if (b.return_bool && !IsComparison(b.op)) {
    Fail(b.op_pos, "bool modifier can only be used on comparison operators");
  }
  if (IsComparison(b.op) && !b.return_bool && lt == ValueType::kScalar &&
      rt == ValueType::kScalar) {
    Fail(b.op_pos, "comparisons between scalars must use BOOL modifier");
  }
  const VectorMatching* vm = b.matching.get();
  if (vm != nullptr && vm->on) {
    for (const std::string& l : vm->matching_labels) {
      if (std::find(vm->include_labels.begin(), vm->include_labels.end(), l) !=
          vm->include_labels.end()) {
        Fail(b.op_pos, "label " + GoQuote(l) + " must not occur in ON and GROUP clause at once");
      }
    }
  }
  if (!IsScalarOrVector(lt)) {
    Fail(b.lhs->pos.start, "binary expression must contain only scalar and instant vector types");
  }
  if (!IsScalarOrVector(rt)) {
    Fail(b.rhs->pos.start, "binary expression must contain only scalar and instant vector types");
  }
  const bool grouped =
      vm != nullptr && (vm->card == Cardinality::kManyToOne || vm->card == Cardinality::kOneToMany);
  // An empty on() or ignoring() is no matching (the parser drops it beside a scalar).
  const bool has_matching = vm != nullptr && !vm->matching_labels.empty();
  if ((lt != ValueType::kVector || rt != ValueType::kVector) && has_matching) {
    Fail(b.pos.start, "vector matching only allowed between instant vectors");
  }
  if (IsSetOperator(b.op)) {
    if (lt == ValueType::kScalar || rt == ValueType::kScalar) {
      Fail(b.pos.start, std::string("set operator ") + GoQuote(BinaryOpName(b.op)) +
                            " not allowed in binary scalar expression");
    }
    if (grouped) {
      Fail(b.pos.start,
           std::string("no grouping allowed for ") + GoQuote(BinaryOpName(b.op)) + " operation");
    }
  }
}

void CheckCall(const Call& c) {
  const Function& f = *c.func;
  const int n = static_cast<int>(c.args.size());
  const int declared = static_cast<int>(f.arg_types.size());
  const std::string name = GoQuote(f.name);
  if (f.variadic == 0) {
    if (n != declared) {
      Fail(c.pos.start, "expected " + std::to_string(declared) + " argument(s) in call to " + name +
                            ", got " + std::to_string(n));
    }
  } else {
    const int min = f.variadic > 0 ? declared - f.variadic : declared - 1;
    if (n < min) {
      Fail(c.pos.start, "expected at least " + std::to_string(min) + " argument(s) in call to " +
                            name + ", got " + std::to_string(n));
    }
    if (f.variadic > 0 && n > declared) {
      Fail(c.pos.start, "expected at most " + std::to_string(declared) +
                            " argument(s) in call to " + name + ", got " + std::to_string(n));
    }
  }
  for (int i = 0; i < n; ++i) {
    Check(*c.args[i]);
    const ValueType want = f.arg_types[std::min(i, declared - 1)];
    ExpectType(*c.args[i], want, "call to function " + name);
  }
}

void Check(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kNumberLiteral:
    case ExprKind::kStringLiteral:
      return;
    case ExprKind::kVectorSelector:
      return CheckSelector(static_cast<const VectorSelector&>(e));
    case ExprKind::kMatrixSelector:
      return CheckSelector(*static_cast<const MatrixSelector&>(e).selector);
    case ExprKind::kSubquery: {
      const auto& sq = static_cast<const SubqueryExpr&>(e);
      Check(*sq.expr);
      if (sq.expr->Type() != ValueType::kVector) {
        Fail(sq.pos.start, std::string("subquery is only allowed on instant vector, got ") +
                               ValueTypeName(sq.expr->Type()) + " instead");
      }
      return;
    }
    case ExprKind::kParen:
      return Check(*static_cast<const ParenExpr&>(e).expr);
    case ExprKind::kUnary: {
      const auto& u = static_cast<const UnaryExpr&>(e);
      Check(*u.expr);
      if (!IsScalarOrVector(u.expr->Type())) {
        Fail(u.pos.start,
             std::string("unary expression only allowed on expressions of type scalar or instant "
                         "vector, got ") +
                 GoQuote(DocumentedTypeName(u.expr->Type())));
      }
      return;
    }
    case ExprKind::kBinary:
      return CheckBinary(static_cast<const BinaryExpr&>(e));
    case ExprKind::kAggregate: {
      const auto& a = static_cast<const AggregateExpr&>(e);
      Check(*a.expr);
      ExpectType(*a.expr, ValueType::kVector, "aggregation expression");
      if (a.param != nullptr) {
        Check(*a.param);
        ExpectType(*a.param,
                   a.op == AggregateOp::kCountValues ? ValueType::kString : ValueType::kScalar,
                   "aggregation parameter");
      }
      return;
    }
    case ExprKind::kCall:
      return CheckCall(static_cast<const Call&>(e));
  }
}

}  // namespace

bool CheckExpr(const Expr& expr, ParseError* error) {
  try {
    Check(expr);
  } catch (Failure& f) {
    *error = {f.pos, std::move(f.message)};
    return false;
  }
  return true;
}

}  // namespace tsdbd::promql
