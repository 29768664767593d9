// The PromQL syntax tree. Nodes are plain structs owned through unique_ptr; an evaluator
// walks them by switching on Expr::kind and static_cast'ing (no virtual dispatch needed).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lib/model/duration.h"
#include "lib/model/matcher.h"

namespace tsdbd::promql {

struct Function;

enum class ValueType { kNone, kScalar, kVector, kMatrix, kString };
// "scalar", "instant vector", "range vector", "string" (Prometheus's DocumentedType).
const char* DocumentedTypeName(ValueType t);
// "scalar", "vector", "matrix", "string" (Prometheus's ValueType names).
const char* ValueTypeName(ValueType t);

// Byte offsets into the query: [start, end).
struct PositionRange {
  int start = 0;
  int end = 0;
};

enum class ExprKind {
  kNumberLiteral,
  kStringLiteral,
  kVectorSelector,
  kMatrixSelector,
  kSubquery,
  kParen,
  kUnary,
  kBinary,
  kAggregate,
  kCall,
};

struct Expr {
  explicit Expr(ExprKind k) : kind(k) {}
  virtual ~Expr() = default;
  Expr(const Expr&) = delete;
  Expr& operator=(const Expr&) = delete;

  // The type the expression evaluates to.
  ValueType Type() const;

  const ExprKind kind;
  PositionRange pos;
};
using ExprPtr = std::unique_ptr<Expr>;

struct NumberLiteral : Expr {
  NumberLiteral() : Expr(ExprKind::kNumberLiteral) {}
  double value = 0;
};

struct StringLiteral : Expr {
  StringLiteral() : Expr(ExprKind::kStringLiteral) {}
  std::string value;  // unquoted
};

// The @ modifier of a selector or subquery.
struct AtModifier {
  enum class Kind { kNone, kTimestamp, kStart, kEnd };
  Kind kind = Kind::kNone;
  int64_t timestamp_ms = 0;  // for kTimestamp
};

struct VectorSelector : Expr {
  VectorSelector() : Expr(ExprKind::kVectorSelector) {}
  std::string name;  // "" when given only through matchers
  // All matchers, including name="__name__" equal to `name` (last) when a name is given.
  std::vector<Matcher> matchers;
  Duration offset{0};  // signed: negative looks into the future
  AtModifier at;
};

// sel[range]; offset and @ live on the inner selector as in Prometheus.
struct MatrixSelector : Expr {
  MatrixSelector() : Expr(ExprKind::kMatrixSelector) {}
  std::unique_ptr<VectorSelector> selector;
  Duration range{0};
};

struct SubqueryExpr : Expr {
  SubqueryExpr() : Expr(ExprKind::kSubquery) {}
  ExprPtr expr;
  Duration range{0};
  Duration step{0};  // 0: the evaluation's default step
  Duration offset{0};
  AtModifier at;
};

struct ParenExpr : Expr {
  ParenExpr() : Expr(ExprKind::kParen) {}
  ExprPtr expr;
};

enum class BinaryOp {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kAtan2,
  kEql,
  kNeq,
  kLte,
  kLss,
  kGte,
  kGtr,
  kAnd,
  kOr,
  kUnless,
};
const char* BinaryOpName(BinaryOp op);
bool IsComparison(BinaryOp op);
bool IsSetOperator(BinaryOp op);

struct UnaryExpr : Expr {
  UnaryExpr() : Expr(ExprKind::kUnary) {}
  bool negate = true;  // '-' (false: '+')
  ExprPtr expr;
};

enum class Cardinality { kOneToOne, kManyToOne, kOneToMany, kManyToMany };

// on/ignoring and group_left/group_right of a binary operation.
struct VectorMatching {
  Cardinality card = Cardinality::kOneToOne;
  bool on = false;  // labels are on(...) rather than ignoring(...)
  std::vector<std::string> matching_labels;
  std::vector<std::string> include_labels;  // group_left/group_right(...)
};

struct BinaryExpr : Expr {
  BinaryExpr() : Expr(ExprKind::kBinary) {}
  BinaryOp op = BinaryOp::kAdd;
  ExprPtr lhs;
  ExprPtr rhs;
  bool return_bool = false;
  int op_pos = 0;  // offset of the operator (Prometheus reports some errors there)
  // Present when either side is a vector (set operators are many-to-many).
  std::unique_ptr<VectorMatching> matching;
};

enum class AggregateOp {
  kSum,
  kAvg,
  kCount,
  kMin,
  kMax,
  kGroup,
  kStddev,
  kStdvar,
  kTopK,
  kBottomK,
  kCountValues,
  kQuantile,
};
const char* AggregateOpName(AggregateOp op);
// topk, bottomk, quantile and count_values take a parameter before the vector.
bool HasParameter(AggregateOp op);

struct AggregateExpr : Expr {
  AggregateExpr() : Expr(ExprKind::kAggregate) {}
  AggregateOp op = AggregateOp::kSum;
  ExprPtr expr;
  ExprPtr param;  // null unless HasParameter(op)
  std::vector<std::string> grouping;
  bool without = false;
};

struct Call : Expr {
  Call() : Expr(ExprKind::kCall) {}
  const Function* func = nullptr;  // never null in a parsed tree
  std::vector<ExprPtr> args;
};

// The direct sub-expressions of `e`, in source order (a matrix selector's vector selector
// included).
std::vector<const Expr*> Children(const Expr& e);

// Whether `e` selects any series (contains a vector or matrix selector).
bool HasSelectors(const Expr& e);

}  // namespace tsdbd::promql
