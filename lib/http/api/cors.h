// Cross-origin headers on /api/v1 responses, as Prometheus sets them (--web.cors.origin).
#pragma once

#include <memory>
#include <string>

#include "lib/http/request.h"

namespace re2 {
class RE2;
}

namespace tsdbd::http::api {

class Cors {
 public:
  // `origin_regex` is --web.cors.origin, fully anchored; ".*" allows every origin ("*").
  // An invalid regex allows none.
  explicit Cors(const std::string& origin_regex);
  ~Cors();

  // Wraps `handler` so that a request with an Origin header gets the CORS headers.
  Handler Wrap(Handler handler) const;

 private:
  std::shared_ptr<const re2::RE2> origin_;
  bool any_origin_;
};

}  // namespace tsdbd::http::api
