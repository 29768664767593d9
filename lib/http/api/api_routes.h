// Registration of /api/v1 endpoints, wrapped as Prometheus wraps them: cross-origin headers
// per --web.cors.origin, and 503 "Service Unavailable" until the server is ready.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "lib/http/router.h"

namespace re2 {
class RE2;
}

namespace tsdbd::http::api {

class ApiRoutes {
 public:
  // `cors_origin` is --web.cors.origin, fully anchored; ".*" allows every origin ("*"), an
  // invalid regex none. `ready` is called per request, from I/O threads.
  ApiRoutes(Router& router, const std::string& cors_origin, std::function<bool()> ready);
  ~ApiRoutes();

  // Whether an endpoint answers 503 until the server is ready (all but the WAL replay's).
  enum class Readiness { kRequired, kNotRequired };

  // Registers `handler` for `method` on `path`; the path is also the metrics handler label.
  void Add(const char* method, const char* path, Handler handler,
           Readiness readiness = Readiness::kRequired);

 private:
  Router& router_;
  std::shared_ptr<const re2::RE2> origin_;
  bool any_origin_;
  std::function<bool()> ready_;
};

}  // namespace tsdbd::http::api
