// The request a handler sees and the response it gives back. Plain data: no Asio or Beast.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tsdbd::http {

struct Request {
  std::string method;      // "GET", "POST", ... as received
  std::string path;        // percent-decoded path without the query, route prefix removed
  std::string raw_target;  // the request target as received
  // Form values with Go's r.Form semantics: for a POST/PUT/PATCH with an
  // application/x-www-form-urlencoded body, the body's pairs come first, then the query
  // string's. Repeated keys are kept in order (match[]=a&match[]=b).
  std::vector<std::pair<std::string, std::string>> params;
  // Why params may be incomplete (Go's ParseForm error: a bad escape, a ';' in the query, a
  // form body over 10 MiB); empty when the query and body parsed cleanly. Malformed pairs
  // are skipped, the rest are in params.
  std::string form_error;
  std::vector<std::pair<std::string, std::string>> headers;  // names as received
  std::string body;
  std::string remote_address;                    // "ip:port" of the peer
  std::map<std::string, std::string> path_vars;  // {"name": ...} for /api/v1/label/:name/values
  // Becomes true when the client closes or resets its connection before the answer (as Go
  // cancels a request's context): work for it may stop early; a Reply still made is sent
  // only if the connection can carry it. A deferred handler keeps a copy of the pointer.
  // Null only in requests that tests build by hand.
  std::shared_ptr<const std::atomic<bool>> cancelled;

  // Whether the client has gone away (see `cancelled`).
  bool Cancelled() const { return cancelled != nullptr && cancelled->load(); }
  // The first value of the form parameter `name`, or nullptr. Valid while *this is.
  const std::string* Param(std::string_view name) const;
  // Every value of `name`, in order.
  std::vector<std::string> Params(std::string_view name) const;
  // The first header named `name` (case-insensitive), or nullptr.
  const std::string* Header(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";  // no Content-Type when empty
  std::string body;
  // Extra headers. The server sets Content-Length, Date and, when it compresses the body,
  // Content-Encoding and Vary; a handler that sets Content-Encoding itself (an already
  // compressed body) is never compressed again.
  std::vector<std::pair<std::string, std::string>> headers;
};

// Delivers the response. Call exactly once, from any thread, at any time; calls after the
// first, and calls after the client went away or the server stopped, are ignored.
using Reply = std::function<void(Response)>;

// Runs on one of the server's I/O threads: it must not block. Work that takes long (a
// query) goes elsewhere and calls `reply` from there. `request` is valid only during the
// call: copy what a deferred reply needs.
using Handler = std::function<void(const Request& request, Reply reply)>;

}  // namespace tsdbd::http
