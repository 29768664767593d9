#include "lib/promql/ast.h"

#include "lib/promql/functions.h"

namespace tsdbd::promql {

const char* DocumentedTypeName(ValueType t) {
  switch (t) {
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kVector:
      return "instant vector";
    case ValueType::kMatrix:
      return "range vector";
    case ValueType::kString:
      return "string";
    case ValueType::kNone:
      break;
  }
  return "none";
}

const char* ValueTypeName(ValueType t) {
  switch (t) {
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kVector:
      return "vector";
    case ValueType::kMatrix:
      return "matrix";
    case ValueType::kString:
      return "string";
    case ValueType::kNone:
      break;
  }
  return "none";
}

ValueType Expr::Type() const {
  switch (kind) {
    case ExprKind::kNumberLiteral:
      return ValueType::kScalar;
    case ExprKind::kStringLiteral:
      return ValueType::kString;
    case ExprKind::kVectorSelector:
    case ExprKind::kAggregate:
      return ValueType::kVector;
    case ExprKind::kMatrixSelector:
    case ExprKind::kSubquery:
      return ValueType::kMatrix;
    case ExprKind::kParen:
      return static_cast<const ParenExpr*>(this)->expr->Type();
    case ExprKind::kUnary:
      return static_cast<const UnaryExpr*>(this)->expr->Type();
    case ExprKind::kBinary: {
      auto* b = static_cast<const BinaryExpr*>(this);
      return b->lhs->Type() == ValueType::kScalar && b->rhs->Type() == ValueType::kScalar
                 ? ValueType::kScalar
                 : ValueType::kVector;
    }
    case ExprKind::kCall:
      return static_cast<const Call*>(this)->func->return_type;
  }
  return ValueType::kNone;
}

const char* BinaryOpName(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
      return "+";
    case BinaryOp::kSub:
      return "-";
    case BinaryOp::kMul:
      return "*";
    case BinaryOp::kDiv:
      return "/";
    case BinaryOp::kMod:
      return "%";
    case BinaryOp::kPow:
      return "^";
    case BinaryOp::kAtan2:
      return "atan2";
    case BinaryOp::kEql:
      return "==";
    case BinaryOp::kNeq:
      return "!=";
    case BinaryOp::kLte:
      return "<=";
    case BinaryOp::kLss:
      return "<";
    case BinaryOp::kGte:
      return ">=";
    case BinaryOp::kGtr:
      return ">";
    case BinaryOp::kAnd:
      return "and";
    case BinaryOp::kOr:
      return "or";
    case BinaryOp::kUnless:
      return "unless";
  }
  return "?";
}

bool IsComparison(BinaryOp op) {
  return op == BinaryOp::kEql || op == BinaryOp::kNeq || op == BinaryOp::kLte ||
         op == BinaryOp::kLss || op == BinaryOp::kGte || op == BinaryOp::kGtr;
}

bool IsSetOperator(BinaryOp op) {
  return op == BinaryOp::kAnd || op == BinaryOp::kOr || op == BinaryOp::kUnless;
}

const char* AggregateOpName(AggregateOp op) {
  switch (op) {
    case AggregateOp::kSum:
      return "sum";
    case AggregateOp::kAvg:
      return "avg";
    case AggregateOp::kCount:
      return "count";
    case AggregateOp::kMin:
      return "min";
    case AggregateOp::kMax:
      return "max";
    case AggregateOp::kGroup:
      return "group";
    case AggregateOp::kStddev:
      return "stddev";
    case AggregateOp::kStdvar:
      return "stdvar";
    case AggregateOp::kTopK:
      return "topk";
    case AggregateOp::kBottomK:
      return "bottomk";
    case AggregateOp::kCountValues:
      return "count_values";
    case AggregateOp::kQuantile:
      return "quantile";
  }
  return "?";
}

bool HasParameter(AggregateOp op) {
  return op == AggregateOp::kTopK || op == AggregateOp::kBottomK ||
         op == AggregateOp::kCountValues || op == AggregateOp::kQuantile;
}

std::vector<const Expr*> Children(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kMatrixSelector:
      return {static_cast<const MatrixSelector&>(e).selector.get()};
    case ExprKind::kSubquery:
      return {static_cast<const SubqueryExpr&>(e).expr.get()};
    case ExprKind::kParen:
      return {static_cast<const ParenExpr&>(e).expr.get()};
    case ExprKind::kUnary:
      return {static_cast<const UnaryExpr&>(e).expr.get()};
    case ExprKind::kBinary: {
      const auto& b = static_cast<const BinaryExpr&>(e);
      return {b.lhs.get(), b.rhs.get()};
    }
    case ExprKind::kAggregate: {
      const auto& a = static_cast<const AggregateExpr&>(e);
      if (a.param) return {a.param.get(), a.expr.get()};
      return {a.expr.get()};
    }
    case ExprKind::kCall: {
      std::vector<const Expr*> out;
      for (const ExprPtr& arg : static_cast<const Call&>(e).args) out.push_back(arg.get());
      return out;
    }
    default:
      return {};
  }
}

bool HasSelectors(const Expr& e) {
  if (e.kind == ExprKind::kVectorSelector) return true;
  for (const Expr* child : Children(e)) {
    if (HasSelectors(*child)) return true;
  }
  return false;
}

}  // namespace tsdbd::promql
