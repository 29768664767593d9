#include "lib/http/api/api_routes.h"

#include <re2/re2.h>

namespace tsdbd::http::api {

ApiRoutes::ApiRoutes(Router& router, const std::string& cors_origin, std::function<bool()> ready)
    : router_(router),
      origin_(std::make_shared<const re2::RE2>("^(?:" + cors_origin + ")$")),
      any_origin_(cors_origin == ".*"),
      ready_(std::move(ready)) {}

ApiRoutes::~ApiRoutes() = default;

void ApiRoutes::Add(const char* method, const char* path, Handler handler, Readiness readiness) {
  std::function<bool()> ready = readiness == Readiness::kRequired ? ready_ : nullptr;
  auto wrapped = [handler = std::move(handler), origin_re = origin_, any = any_origin_,
                  ready = std::move(ready)](const Request& request, Reply reply) {
    std::string allow;
    bool cors = false;
    if (const std::string* origin = request.Header("Origin"); origin && !origin->empty()) {
      cors = true;
      if (any) {
        allow = "*";
      } else if (origin_re->ok() && re2::RE2::FullMatch(*origin, *origin_re)) {
        allow = *origin;
      }
    }
    Reply with_headers = [reply = std::move(reply), cors, allow = std::move(allow)](Response r) {
      if (cors) {
        r.headers.emplace_back("Access-Control-Allow-Headers",
                               "Accept, Authorization, Content-Type, Origin");
        r.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
        r.headers.emplace_back("Access-Control-Expose-Headers", "Date");
        r.headers.emplace_back("Vary", "Origin");
        if (!allow.empty()) r.headers.emplace_back("Access-Control-Allow-Origin", allow);
      }
      reply(std::move(r));
    };
    if (ready && !ready()) {
      Response unavailable;
      unavailable.status = 503;
      unavailable.body = "Service Unavailable";
      return with_headers(std::move(unavailable));
    }
    handler(request, std::move(with_headers));
  };
  router_.Add(method, path, path, std::move(wrapped));
}

}  // namespace tsdbd::http::api
