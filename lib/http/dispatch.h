// What the server does with a request before any handler runs: Go's ServeMux path
// cleaning, the route prefix, then the router. No I/O here.
#pragma once

#include <string>
#include <string_view>

#include "lib/http/request.h"
#include "lib/http/router.h"

namespace tsdbd::http {

struct Dispatch {
  const Handler* handler = nullptr;  // when set, call it; else send `response`
  std::string_view label;            // the route's handler_label (with handler)
  Response response;
};

// Decides who answers `request`. On a handler match, removes `prefix` (no trailing '/';
// "" for none) from request->path and fills request->path_vars. `router` must outlive the
// returned handler and label.
Dispatch DispatchRequest(const Router& router, std::string_view prefix, Request* request);

// Go's http.NotFound: 404 "404 page not found\n".
Response NotFoundResponse();

// Go's http.Error: `status` with `text` and a trailing newline, plain text, nosniff.
Response ErrorResponse(int status, std::string_view text);

// Go's http.Redirect: `status` to `location`, with an HTML link body for GET and HEAD.
Response RedirectResponse(int status, const std::string& location, std::string_view method);

}  // namespace tsdbd::http
