#include "lib/http/api/query_routes.h"

#include <boost/json/array.hpp>
#include <memory>

#include "lib/http/api/envelope.h"
#include "lib/http/api/json_writer.h"
#include "lib/http/api/params.h"
#include "lib/model/value_format.h"
#include "lib/promql/parser.h"
#include "lib/promql/printer.h"

namespace tsdbd::http::api {
namespace {

// Prometheus limits a range query to this many points per series.
constexpr int64_t kMaxPointsPerSeries = 11'000;

std::string_view Param(const Request& request, std::string_view name) {
  const std::string* v = request.Param(name);
  return v ? std::string_view(*v) : std::string_view();
}

Response InvalidParam(std::string_view name, const std::string& message) {
  return Failure(ErrorType::kBadData,
                 "invalid parameter \"" + std::string(name) + "\": " + message);
}

ErrorType ToErrorType(promql::QueryErrorType t) {
  switch (t) {
    case promql::QueryErrorType::kBadData:
      return ErrorType::kBadData;
    case promql::QueryErrorType::kExecution:
      return ErrorType::kExecution;
    case promql::QueryErrorType::kTimeout:
      return ErrorType::kTimeout;
    case promql::QueryErrorType::kCanceled:
      return ErrorType::kCanceled;
    case promql::QueryErrorType::kInternal:
      return ErrorType::kInternal;
  }
  return ErrorType::kInternal;
}

// {"resultType":...,"result":...} as Prometheus's API writes it.
std::string ResultJson(const promql::QueryResult& r) {
  std::string out = R"({"resultType":")";
  out += promql::ValueTypeName(r.type);
  out += R"(","result":)";
  switch (r.type) {
    case promql::ValueType::kScalar:
      out.push_back('[');
      AppendJsonSeconds(out, r.scalar.t);
      out += ",\"";
      AppendFloatF(out, r.scalar.v);
      out += "\"]";
      break;
    case promql::ValueType::kString:
      out.push_back('[');
      AppendJsonSeconds(out, r.string_t);
      out.push_back(',');
      AppendJsonString(out, r.string);
      out.push_back(']');
      break;
    case promql::ValueType::kVector:
      out.push_back('[');
      for (size_t i = 0; i < r.vector.size(); ++i) {
        if (i > 0) out.push_back(',');
        out += R"({"metric":)";
        AppendJsonLabels(out, r.vector[i].metric);
        out += R"(,"value":)";
        AppendJsonPoint(out, r.vector[i].t, r.vector[i].v);
        out.push_back('}');
      }
      out.push_back(']');
      break;
    case promql::ValueType::kMatrix:
      out.push_back('[');
      for (size_t i = 0; i < r.matrix.size(); ++i) {
        if (i > 0) out.push_back(',');
        out += R"({"metric":)";
        AppendJsonLabels(out, r.matrix[i].metric);
        out += R"(,"values":[)";
        const auto& points = r.matrix[i].points;
        for (size_t j = 0; j < points.size(); ++j) {
          if (j > 0) out.push_back(',');
          AppendJsonPoint(out, points[j].t, points[j].v);
        }
        out += "]}";
      }
      out.push_back(']');
      break;
    default:
      out += "null";
  }
  out.push_back('}');
  return out;
}

// The engine to use for one request: --query.timeout, shortened by a timeout parameter.
Result<promql::Engine> EngineFor(const Request& request, const promql::Engine& base) {
  promql::EngineOptions options = base.options();
  if (std::string_view t = Param(request, "timeout"); !t.empty()) {
    auto timeout = ParseDurationParam(t);
    if (!timeout.ok()) return Error("invalid parameter \"timeout\": " + timeout.error().message());
    options.timeout = std::min(
        options.timeout, std::chrono::duration_cast<Duration>(std::chrono::nanoseconds(*timeout)));
  }
  return promql::Engine(options);
}

// Parsed and validated arguments of a query, ready to run on the pool.
struct PreparedQuery {
  promql::ExprPtr expr;
  promql::Engine engine;
  int64_t start = 0, end = 0, step = 0;  // milliseconds: a range's step may be 0 (sub-ms)
  bool range = false;                    // else an instant query at `start`
};

Result<PreparedQuery> PrepareInstant(const Request& request, const QueryContext& ctx) {
  auto t = EngineTimeParam(request, "time", ctx.now_ms());
  if (!t.ok()) return t.error();
  auto engine = EngineFor(request, *ctx.engine);
  if (!engine.ok()) return engine.error();
  auto expr = promql::ParseExpr(Param(request, "query"));
  if (!expr.ok()) return Error("invalid parameter \"query\": " + expr.error().message());
  return PreparedQuery{std::move(*expr), std::move(*engine), *t, *t, 0};
}

Result<PreparedQuery> PrepareRange(const Request& request, const QueryContext& ctx) {
  auto start = ParseTime(Param(request, "start"));
  if (!start.ok()) return Error("invalid parameter \"start\": " + start.error().message());
  auto end = ParseTime(Param(request, "end"));
  if (!end.ok()) return Error("invalid parameter \"end\": " + end.error().message());
  if (*end < *start) {
    return Error("invalid parameter \"end\": end timestamp must not be before start time");
  }
  auto step = ParseDurationParam(Param(request, "step"));
  if (!step.ok()) return Error("invalid parameter \"step\": " + step.error().message());
  if (*step <= 0) {
    return Error(
        "invalid parameter \"step\": zero or negative query resolution step widths are not "
        "accepted. Try a positive integer");
  }
  if (SubNanos(*end, *start) / *step > kMaxPointsPerSeries) {
    return Error(
        "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
        "resolution (?step=XX)");
  }
  auto engine = EngineFor(request, *ctx.engine);
  if (!engine.ok()) return engine.error();
  auto expr = promql::ParseExpr(Param(request, "query"));
  if (!expr.ok()) return expr.error();
  return PreparedQuery{std::move(*expr),    std::move(*engine), start->EngineMillis(),
                       end->EngineMillis(), *step / 1'000'000,  true};
}

// Validates on the I/O thread, evaluates on the pool, replies from there.
void RunQuery(const Request& request, Reply reply, const QueryContext& ctx, bool range) {
  auto prepared = range ? PrepareRange(request, ctx) : PrepareInstant(request, ctx);
  if (!prepared.ok()) return reply(Failure(ErrorType::kBadData, prepared.error().message()));
  auto query = std::make_shared<PreparedQuery>(std::move(*prepared));
  ctx.pool->Submit(
      [query, queryable = ctx.queryable, cancelled = request.cancelled, reply = std::move(reply)] {
        const promql::QueryOutcome outcome =
            !query->range
                ? query->engine.Instant(*queryable, *query->expr, query->start, cancelled.get())
                : query->engine.Range(*queryable, *query->expr, query->start, query->end,
                                      query->step, cancelled.get());
        if (!outcome.ok()) {
          return reply(Failure(ToErrorType(outcome.error.type), outcome.error.message));
        }
        reply(SuccessRaw(ResultJson(outcome.result), outcome.result.warnings));
      });
}

Response FormatQuery(const Request& request) {
  auto expr = promql::ParseExpr(Param(request, "query"));
  if (!expr.ok()) return InvalidParam("query", expr.error().message());
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
  auto expr = promql::ParseExpr(Param(request, "query"));
  if (!expr.ok()) return Failure(ErrorType::kBadData, expr.error().message());
  if (!promql::HasSelectors(**expr)) return NoContent();
  return Success(boost::json::array());
}

}  // namespace

void AddQueryRoutes(ApiRoutes& routes, QueryContext context) {
  auto ctx = std::make_shared<const QueryContext>(std::move(context));
  for (const char* method : {"GET", "POST"}) {
    routes.Add(method, "/api/v1/query", [ctx](const Request& request, Reply reply) {
      RunQuery(request, std::move(reply), *ctx, false);
    });
    routes.Add(method, "/api/v1/query_range", [ctx](const Request& request, Reply reply) {
      RunQuery(request, std::move(reply), *ctx, true);
    });
    routes.Add(method, "/api/v1/format_query",
               [](const Request& request, Reply reply) { reply(FormatQuery(request)); });
    routes.Add(method, "/api/v1/query_exemplars",
               [](const Request& request, Reply reply) { reply(QueryExemplars(request)); });
  }
  routes.Add("OPTIONS", "/api/v1/*path", [](const Request&, Reply reply) { reply(NoContent()); });
}

}  // namespace tsdbd::http::api
