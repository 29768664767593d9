#include "lib/http/router.h"

#include <algorithm>

namespace tsdbd::http {
namespace {

// The '/'-separated pieces of `path` after its leading '/'. "/" gives {""}.
std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

}  // namespace

void Router::Add(std::string method, std::string pattern, std::string handler_label,
                 Handler handler) {
  Route route;
  route.method = std::move(method);
  route.label = std::move(handler_label);
  route.handler = std::move(handler);
  for (std::string_view piece : SplitPath(pattern)) {
    Segment seg;
    if (!piece.empty() && piece.front() == ':') {
      seg.kind = Segment::Kind::kVar;
      seg.text = std::string(piece.substr(1));
    } else if (!piece.empty() && piece.front() == '*') {
      seg.kind = Segment::Kind::kCatchAll;
      seg.text = std::string(piece.substr(1));
    } else {
      seg.kind = Segment::Kind::kLiteral;
      seg.text = std::string(piece);
    }
    route.segments.push_back(std::move(seg));
  }
  routes_.push_back(std::move(route));
}

bool Router::Match(const Route& route, std::string_view path,
                   std::map<std::string, std::string>* vars, std::vector<int>* rank) {
  vars->clear();
  rank->clear();
  if (path.empty() || path.front() != '/') return false;
  std::string_view rest = path;  // always starts with '/'
  for (size_t i = 0; i < route.segments.size(); ++i) {
    const Segment& seg = route.segments[i];
    if (seg.kind == Segment::Kind::kCatchAll) {
      (*vars)[seg.text] = std::string(rest);
      rank->push_back(2);
      return true;
    }
    if (rest.empty()) return false;
    rest.remove_prefix(1);  // the '/'
    size_t slash = rest.find('/');
    std::string_view piece = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    if (seg.kind == Segment::Kind::kLiteral) {
      if (piece != seg.text) return false;
      rank->push_back(0);
    } else {
      if (piece.empty()) return false;
      (*vars)[seg.text] = std::string(piece);
      rank->push_back(1);
    }
  }
  return rest.empty();
}

const Router::Route* Router::Best(std::string_view method, std::string_view path,
                                  std::map<std::string, std::string>* vars) const {
  const Route* best = nullptr;
  std::vector<int> best_rank, rank;
  std::map<std::string, std::string> candidate;
  for (const Route& route : routes_) {
    if (!method.empty() && route.method != method) continue;
    if (!Match(route, path, &candidate, &rank)) continue;
    if (best == nullptr || rank < best_rank) {
      best = &route;
      best_rank = rank;
      *vars = candidate;
    }
  }
  return best;
}

RouteMatch Router::Find(std::string_view method, std::string_view path) const {
  RouteMatch m;
  if (const Route* route = Best(method, path, &m.path_vars)) {
    m.kind = RouteMatch::Kind::kHandler;
    m.handler = &route->handler;
    m.label = route->label;
    return m;
  }
  m.path_vars.clear();

  std::vector<std::string> allowed;
  std::map<std::string, std::string> vars;
  std::vector<int> rank;
  for (const Route& route : routes_) {
    // An OPTIONS route (such as the API's catch-all) does not make other methods 405, as
    // in httprouter.
    if (route.method != "OPTIONS" && Match(route, path, &vars, &rank)) {
      allowed.push_back(route.method);
    }
  }
  if (!allowed.empty()) {
    allowed.push_back("OPTIONS");
    std::sort(allowed.begin(), allowed.end());
    allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
    for (const std::string& a : allowed) {
      if (!m.allow.empty()) m.allow += ", ";
      m.allow += a;
    }
    m.kind = method == "OPTIONS" ? RouteMatch::Kind::kOptions : RouteMatch::Kind::kMethodNotAllowed;
    return m;
  }

  // A route for this method exists with or without a trailing slash: redirect to it.
  if (method != "CONNECT" && path != "/" && !path.empty()) {
    std::string other =
        path.back() == '/' ? std::string(path.substr(0, path.size() - 1)) : std::string(path) + "/";
    if (!other.empty() && Best(method, other, &vars) != nullptr) {
      m.kind = RouteMatch::Kind::kRedirect;
      m.location = std::move(other);
      m.redirect_status = method == "GET" ? 301 : 307;
      return m;
    }
  }
  m.kind = RouteMatch::Kind::kNotFound;
  return m;
}

}  // namespace tsdbd::http
