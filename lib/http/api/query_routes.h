// /api/v1/format_query, /api/v1/query_exemplars, and OPTIONS on /api/v1/*.
#pragma once

#include "lib/http/api/api_routes.h"

namespace tsdbd::http::api {

// Registers the endpoints that need a parser but no storage.
void AddQueryToolRoutes(ApiRoutes& routes);

}  // namespace tsdbd::http::api
