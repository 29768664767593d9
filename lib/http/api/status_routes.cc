#include "lib/http/api/status_routes.h"

#include <memory>

#include "lib/http/api/envelope.h"

namespace tsdbd::http::api {

void AddStatusRoutes(ApiRoutes& routes, StatusSources sources) {
  auto src = std::make_shared<const StatusSources>(std::move(sources));

  const auto get = [&](const char* path, auto make_data) {
    routes.Add("GET", path,
               [make_data](const Request&, Reply reply) { reply(Success(make_data())); });
  };
  get("/api/v1/status/buildinfo", [src] { return boost::json::value(src->build_info); });
  get("/api/v1/status/flags", [src] {
    boost::json::object flags;
    for (const auto& [name, value] : src->flags) flags[name] = value;
    return boost::json::value(std::move(flags));
  });
  get("/api/v1/status/config", [src] {
    return boost::json::value(boost::json::object{{"yaml", src->config_yaml()}});
  });
  get("/api/v1/status/runtimeinfo", [src] { return boost::json::value(src->runtime_info()); });
  get("/api/v1/status/tsdb", [src] { return boost::json::value(src->tsdb_status()); });
  // Answered during the replay too, so that its progress can be watched.
  routes.Add(
      "GET", "/api/v1/status/walreplay",
      [src](const Request&, Reply reply) { reply(Success(boost::json::value(src->wal_replay()))); },
      ApiRoutes::Readiness::kNotRequired);
}

}  // namespace tsdbd::http::api
