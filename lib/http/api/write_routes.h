// POST /api/v1/write: the remote-write receiver (--web.enable-remote-write-receiver).
#pragma once

#include "lib/http/api/api_routes.h"
#include "lib/http/api/work_pool.h"
#include "lib/storage/appender.h"

namespace tsdbd::http::api {

// Registers the endpoint. When `enabled` is false it answers 404 as Prometheus does.
// Requests are decoded and appended on `pool`; `db` and `pool` must outlive the server.
void AddWriteRoutes(ApiRoutes& routes, bool enabled, storage::Appendable& db, WorkPool& pool);

}  // namespace tsdbd::http::api
