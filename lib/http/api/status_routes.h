// /api/v1/status/{buildinfo,flags,config,runtimeinfo,tsdb,walreplay}.
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <map>
#include <string>

#include "lib/http/api/api_routes.h"

namespace tsdbd::http::api {

// Where the status endpoints get their data. The callbacks are called on I/O threads and
// must be cheap and thread-safe.
struct StatusSources {
  boost::json::object build_info;
  std::map<std::string, std::string> flags;           // flag name -> effective value
  std::function<std::string()> config_yaml;           // the config in force, as YAML
  std::function<boost::json::object()> runtime_info;  // startTime, CWD, reloadConfigSuccess...
  std::function<boost::json::object()> tsdb_status;   // headStats and cardinality lists
  std::function<boost::json::object()> wal_replay;    // min, max, current; also before ready
};

// Registers the status endpoints (GET).
void AddStatusRoutes(ApiRoutes& routes, StatusSources sources);

}  // namespace tsdbd::http::api
