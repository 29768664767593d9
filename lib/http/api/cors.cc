#include "lib/http/api/cors.h"

#include <re2/re2.h>

namespace tsdbd::http::api {

Cors::Cors(const std::string& origin_regex)
    : origin_(std::make_shared<const re2::RE2>("^(?:" + origin_regex + ")$")),
      any_origin_(origin_regex == ".*") {}

Cors::~Cors() = default;

Handler Cors::Wrap(Handler handler) const {
  return [handler = std::move(handler), origin_re = origin_, any = any_origin_](
             const Request& request, Reply reply) {
    const std::string* origin = request.Header("Origin");
    if (origin == nullptr || origin->empty()) return handler(request, std::move(reply));
    std::string allow;
    if (any) {
      allow = "*";
    } else if (origin_re->ok() && re2::RE2::FullMatch(*origin, *origin_re)) {
      allow = *origin;
    }
    handler(request, [reply = std::move(reply), allow = std::move(allow)](Response r) {
      r.headers.emplace_back("Access-Control-Allow-Headers",
                             "Accept, Authorization, Content-Type, Origin");
      r.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
      r.headers.emplace_back("Access-Control-Expose-Headers", "Date");
      r.headers.emplace_back("Vary", "Origin");
      if (!allow.empty()) r.headers.emplace_back("Access-Control-Allow-Origin", allow);
      reply(std::move(r));
    });
  };
}

}  // namespace tsdbd::http::api
