// /api/v1/query, /api/v1/query_range, /api/v1/format_query, /api/v1/query_exemplars, and
// OPTIONS on /api/v1/*.
#pragma once

#include <cstdint>
#include <functional>

#include "lib/http/api/api_routes.h"
#include "lib/http/api/work_pool.h"
#include "lib/promql/engine/engine.h"
#include "lib/storage/querier.h"

namespace tsdbd::http::api {

struct QueryContext {
  const promql::Engine* engine;    // its options hold --query.timeout and the limits
  storage::Queryable* queryable;   // what queries read
  WorkPool* pool;                  // where queries run (--query.max-concurrency threads)
  std::function<int64_t()> now_ms;  // the default evaluation time
};

// Registers the query endpoints. Everything in `context` must outlive the server.
void AddQueryRoutes(ApiRoutes& routes, QueryContext context);

}  // namespace tsdbd::http::api
