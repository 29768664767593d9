// The TSDB admin API (--web.enable-admin-api), as Prometheus 2.42 answers it:
//   POST|PUT /api/v1/admin/tsdb/delete_series?match[]=...&start=&end=   204
//   POST|PUT /api/v1/admin/tsdb/clean_tombstones                        204
//   POST|PUT /api/v1/admin/tsdb/snapshot?skip_head=<bool>               200 {"name": ...}
// Disabled, every one answers 500 {"errorType":"unavailable","error":"admin APIs disabled"}.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "lib/http/api/api_routes.h"
#include "lib/http/api/work_pool.h"
#include "lib/model/matcher.h"
#include "lib/model/result.h"

namespace tsdbd::http::api {

// What the endpoints act on (the database's Delete, CleanTombstones and Snapshot). The
// callbacks run on the work pool, never on an I/O thread, and may block.
struct AdminSources {
  // Deletes the samples of the series matching `matchers` in [mint, maxt] (ms, inclusive).
  std::function<Status(int64_t mint, int64_t maxt, std::span<const Matcher> matchers)>
      delete_series;
  std::function<Status()> clean_tombstones;
  // Writes a consistent copy of the data into `dir` (created by the endpoint).
  std::function<Status(const std::string& dir, bool with_head)> snapshot;
  // The data directory: snapshots go to <data_dir>/snapshots/<name>.
  std::string data_dir;
};

// A snapshot's name for a time: "20060102T150405Z-" and 16 hex digits of `random`, whose top
// bit is cleared (Prometheus uses a non-negative int64).
std::string SnapshotName(int64_t unix_seconds, uint64_t random);

// Go's strconv.ParseBool: 1 t T TRUE true True, 0 f F FALSE false False; an Error with
// Go's message otherwise.
Result<bool> ParseGoBool(std::string_view text);

// Registers the endpoints. When `enabled` is false they only refuse. `pool` must outlive
// the server.
void AddAdminRoutes(ApiRoutes& routes, bool enabled, AdminSources sources, WorkPool& pool);

}  // namespace tsdbd::http::api
