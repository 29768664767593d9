// Maps (method, path) to a handler, as Prometheus's router (httprouter underneath) does:
// exact segments, ":name" segments, a trailing "*name" catch-all; 405 with an Allow header
// when only the method is wrong; automatic OPTIONS; trailing-slash redirects.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "lib/http/request.h"

namespace tsdbd::http {

// What Router::Find decided for a request.
struct RouteMatch {
  enum class Kind {
    kHandler,           // call *handler
    kNotFound,          // 404 "404 page not found\n"
    kMethodNotAllowed,  // 405, with `allow`
    kOptions,           // automatic OPTIONS answer: 200, empty, with `allow`
    kRedirect,          // `redirect_status` to `location` (a path: prefix and query not added)
  };
  Kind kind = Kind::kNotFound;
  const Handler* handler = nullptr;  // owned by the Router; valid while it lives
  std::string_view label;            // the route's handler_label
  std::map<std::string, std::string> path_vars;
  std::string allow;  // "GET, OPTIONS, POST"
  std::string location;
  int redirect_status = 0;
};

// Not thread-safe to Add while another thread calls Find; Find alone is thread-safe.
class Router {
 public:
  // Registers `handler` for `method` on `pattern`, a path of '/'-separated segments: a
  // segment ":name" matches one non-empty segment and binds path_vars[name]; a last segment
  // "*name" matches the rest of the path, binding it with its leading '/'. A literal
  // segment beats ":name", which beats "*name". `handler_label` names the route in metrics.
  void Add(std::string method, std::string pattern, std::string handler_label, Handler handler);

  // Decides what answers `method` on `path` (decoded, route prefix removed).
  RouteMatch Find(std::string_view method, std::string_view path) const;

 private:
  struct Segment {
    enum class Kind { kLiteral, kVar, kCatchAll } kind;
    std::string text;  // the literal, or the variable's name
  };
  struct Route {
    std::string method;
    std::vector<Segment> segments;
    std::string label;
    Handler handler;
  };

  // Whether `route` matches `path`; fills *vars and *rank (lower ranks win).
  static bool Match(const Route& route, std::string_view path,
                    std::map<std::string, std::string>* vars, std::vector<int>* rank);
  // The best route for `method` (empty: any method) on `path`, or nullptr.
  const Route* Best(std::string_view method, std::string_view path,
                    std::map<std::string, std::string>* vars) const;

  std::vector<Route> routes_;
};

}  // namespace tsdbd::http
