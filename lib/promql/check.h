// Type checking of a parsed tree (Prometheus's checkAST). Internal to lib/promql.
#pragma once

#include "lib/promql/ast.h"
#include "lib/promql/parser.h"

namespace tsdbd::promql {

// Checks types and semantic rules of the whole tree; returns false and fills *error with
// the first problem, in the order Prometheus reports them.
bool CheckExpr(const Expr& expr, ParseError* error);

}  // namespace tsdbd::promql
