// A small blocking HTTP/1.1 client for tests, talking to 127.0.0.1 only.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tsdbd::testing {

struct HttpResponse {
  int status = 0;  // 0 when no response came
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // chunked transfer coding undone (and its header removed)
  // The first header named `name` (case-insensitive), if any.
  std::optional<std::string> Header(const std::string& name) const;
};

struct HttpRequest {
  std::string method = "GET";
  std::string target = "/";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Sends one request on a new connection ("Connection: close") and reads the whole response.
// Returns status 0 when the connection fails or the deadline passes.
HttpResponse Fetch(uint16_t port, const HttpRequest& request,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10));

// GET shorthand.
HttpResponse Get(uint16_t port, const std::string& target);

}  // namespace tsdbd::testing
