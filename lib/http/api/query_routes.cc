#include "lib/http/api/query_routes.h"

#include <boost/json/array.hpp>

#include "lib/http/api/envelope.h"
#include "lib/http/api/params.h"
#include "lib/promql/parser.h"
#include "lib/promql/printer.h"

namespace tsdbd::http::api {
namespace {

std::string_view QueryParam(const Request& request) {
  const std::string* q = request.Param("query");
  return q ? std::string_view(*q) : std::string_view();
}

Response FormatQuery(const Request& request) {
  auto expr = promql::ParseExpr(QueryParam(request));
  if (!expr.ok()) {
    return Failure(ErrorType::kBadData, "invalid parameter \"query\": " + expr.error().message());
  }
  return Success(boost::json::string(promql::Pretty(**expr)));
}

// Exemplars are not stored yet: a valid query has none.
Response QueryExemplars(const Request& request) {
  auto start = TimeParam(request, "start", kMinTimeMs);
  if (!start.ok()) return Failure(ErrorType::kBadData, start.error().message());
  auto end = TimeParam(request, "end", kMaxTimeMs);
  if (!end.ok()) return Failure(ErrorType::kBadData, end.error().message());
  if (*end < *start) {
    return Failure(ErrorType::kBadData, "end timestamp must not be before start timestamp");
  }
  auto expr = promql::ParseExpr(QueryParam(request));
  if (!expr.ok()) return Failure(ErrorType::kBadData, expr.error().message());
  if (!promql::HasSelectors(**expr)) return NoContent();
  return Success(boost::json::array());
}

}  // namespace

void AddQueryToolRoutes(ApiRoutes& routes) {
  const auto add = [&](const char* method, const char* path, Response (*fn)(const Request&)) {
    routes.Add(method, path, [fn](const Request& request, Reply reply) { reply(fn(request)); });
  };
  add("GET", "/api/v1/format_query", FormatQuery);
  add("POST", "/api/v1/format_query", FormatQuery);
  add("GET", "/api/v1/query_exemplars", QueryExemplars);
  add("POST", "/api/v1/query_exemplars", QueryExemplars);
  add("OPTIONS", "/api/v1/*path", [](const Request&) { return NoContent(); });
}

}  // namespace tsdbd::http::api
