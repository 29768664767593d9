// The canonical text of a PromQL tree, as Prometheus 2.42 prints it (Expr.String(), which
// /api/v1/format_query returns for queries that fit on one line).
#pragma once

#include <string>

#include "lib/promql/ast.h"

namespace tsdbd::promql {

// E.g. `sum by (job) (rate(http_requests_total{job="api"}[5m]))`.
std::string Format(const Expr& expr);
void AppendFormatted(std::string& out, const Expr& expr);

// What /api/v1/format_query returns: Format() when it is at most 100 characters, else
// Prometheus's multi-line layout (operands, arguments and operators on lines of their own,
// indented by two spaces a level), applied node by node.
std::string Pretty(const Expr& expr);

}  // namespace tsdbd::promql
