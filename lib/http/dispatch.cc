#include "lib/http/dispatch.h"

#include "lib/http/web/html_escape.h"

#include "lib/http/url_codec.h"

namespace tsdbd::http {
namespace {

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    default:
      return "";
  }
}

// Percent-encodes what may not stand in a path as is (for a redirect's Location).
std::string EscapePath(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    bool plain =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        std::string_view("-._~!$&'()*+,;=:@/").find(static_cast<char>(c)) != std::string_view::npos;
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

Response NotFoundResponse() {
  return ErrorResponse(404, "404 page not found");
}

Response ErrorResponse(int status, std::string_view text) {
  Response r;
  r.status = status;
  r.body = std::string(text) + "\n";
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

Response RedirectResponse(int status, const std::string& location, std::string_view method) {
  Response r;
  r.status = status;
  r.content_type.clear();
  r.headers.emplace_back("Location", location);
  if (method == "GET" || method == "HEAD") {
    r.content_type = "text/html; charset=utf-8";
    r.body = "<a href=\"" + web::HtmlEscape(location) + "\">" + std::string(ReasonPhrase(status)) +
             "</a>.\n\n";
  }
  return r;
}

Dispatch DispatchRequest(const Router& router, std::string_view prefix, Request* request) {
  Request& req = *request;
  Dispatch d;
  std::string_view raw_query;
  if (size_t q = req.raw_target.find('?'); q != std::string::npos) {
    raw_query = std::string_view(req.raw_target).substr(q + 1);
  }
  // A redirect keeps the query; its path is escaped again.
  auto location = [&](std::string_view path) {
    std::string out = EscapePath(path);
    if (!raw_query.empty()) {
      out += '?';
      out += raw_query;
    }
    return out;
  };

  if (req.path != "*" && req.method != "CONNECT") {
    std::string clean = CleanPath(req.path);
    if (clean != req.path) {
      d.response = RedirectResponse(301, location(clean), req.method);
      return d;
    }
  }
  if (!prefix.empty() && req.path == "/" && req.method == "GET") {
    // As Prometheus: the root goes to the prefix.
    d.response = RedirectResponse(302, std::string(prefix), req.method);
    return d;
  }
  if (!req.path.starts_with(prefix) ||
      (req.path.size() > prefix.size() && req.path[prefix.size()] != '/')) {
    d.response = NotFoundResponse();
    return d;
  }
  if (req.path.size() == prefix.size()) {
    // "/prefix" alone: the prefix's root lives at "/prefix/".
    if (router.Find(req.method, "/").kind == RouteMatch::Kind::kHandler) {
      d.response = RedirectResponse(req.method == "GET" ? 301 : 307,
                                    location(std::string(prefix) + "/"), req.method);
    } else {
      d.response = NotFoundResponse();
    }
    return d;
  }

  RouteMatch m = router.Find(req.method, std::string_view(req.path).substr(prefix.size()));
  switch (m.kind) {
    case RouteMatch::Kind::kHandler:
      req.path.erase(0, prefix.size());
      req.path_vars = std::move(m.path_vars);
      d.handler = m.handler;
      d.label = m.label;
      break;
    case RouteMatch::Kind::kNotFound:
      d.response = NotFoundResponse();
      break;
    case RouteMatch::Kind::kMethodNotAllowed:
      d.response = ErrorResponse(405, "Method Not Allowed");
      d.response.headers.emplace_back("Allow", m.allow);
      break;
    case RouteMatch::Kind::kOptions:
      d.response.content_type.clear();
      d.response.headers.emplace_back("Allow", m.allow);
      break;
    case RouteMatch::Kind::kRedirect:
      d.response = RedirectResponse(m.redirect_status, location(std::string(prefix) + m.location),
                                    req.method);
      break;
  }
  return d;
}

}  // namespace tsdbd::http
