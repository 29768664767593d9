// /api/v1/series, /api/v1/labels and /api/v1/label/:name/values.
#pragma once

#include "lib/http/api/api_routes.h"
#include "lib/http/api/work_pool.h"
#include "lib/storage/querier.h"

namespace tsdbd::http::api {

// Registers the endpoints; they read `queryable` on `pool`. Both must outlive the router's
// server.
void AddMetadataRoutes(ApiRoutes& routes, storage::Queryable& queryable,
                       WorkPool& pool);

}  // namespace tsdbd::http::api
