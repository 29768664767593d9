// ParseExpr: PromQL text to a type-checked syntax tree, as Prometheus 2.42 parses it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lib/model/result.h"
#include "lib/promql/ast.h"

namespace tsdbd::promql {

// Where and why a query failed to parse.
struct ParseError {
  int pos = 0;          // byte offset into the query
  std::string message;  // e.g. `unexpected identifier "bar"`
};

// Parses and type-checks `query`. On failure the Error's message reads as Prometheus's
// ("1:5: parse error: unexpected end of input"): line and 1-based column of the problem.
// The API layer prefixes it with `invalid parameter "query": ` as Prometheus does.
Result<ExprPtr> ParseExpr(std::string_view query);

// The same, with the raw position and message (nullptr error is allowed).
ExprPtr ParseExpr(std::string_view query, ParseError* error);

// The matchers of a lone vector selector such as `up{job="api"}` (the API's match[]),
// with Prometheus's errors for anything else ("1:5: parse error: unexpected \"(\"").
Result<std::vector<Matcher>> ParseMetricSelector(std::string_view selector);

// "line:col: parse error: message" for an error in `query`.
std::string FormatParseError(std::string_view query, const ParseError& error);

}  // namespace tsdbd::promql
