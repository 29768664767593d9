// The one HTTP/1.1 client of tsdbd (scraping, remote write, the Alertmanager notifier):
// asynchronous on an IoRuntime, configured by prometheus.yml's HTTP client settings.
// No Asio or Beast in this header.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/config/http_client_config.h"
#include "lib/model/result.h"

namespace tsdbd::net {

class IoRuntime;

struct ClientRequest {
  std::string method = "GET";
  std::string url;  // http:// or https://; IPv6 literals in brackets
  // Sent as given. Host, Content-Length and, when accept_gzip, Accept-Encoding are set by
  // the client; an Authorization header here wins over the configured credentials.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Bounds the whole call: resolving, connecting, TLS, writing, reading, every redirect.
  // Zero: no bound.
  std::chrono::milliseconds timeout{0};
  // Bounds the decoded body; a longer one fails the call with "body size limit exceeded".
  // Zero: no bound.
  int64_t max_body_bytes = 0;
  // Asks for gzip (unless `headers` has an Accept-Encoding) and decodes a gzip answer: the
  // body is then the decoded one, without Content-Encoding and Content-Length headers.
  bool accept_gzip = true;
};

struct ClientResponse {
  int status = 0;
  std::string reason;                                        // "Not Found"
  std::vector<std::pair<std::string, std::string>> headers;  // names as received
  std::string body;                                          // decoded
  std::string content_type;                                  // the Content-Type header
  std::string url;  // where the answer came from (after redirects)

  // The first header named `name` (case-insensitive), or nullptr.
  const std::string* Header(std::string_view name) const;
};

// Stops one call. Copyable; thread-safe; cancelling a finished call does nothing.
class CallHandle {
 public:
  struct State;
  CallHandle() = default;
  explicit CallHandle(std::shared_ptr<State> state) : state_(std::move(state)) {}

  // The call completes soon with the error `<Method> "<url>": context canceled` (or plain
  // "context canceled" while its body is read).
  void Cancel() const;

 private:
  std::shared_ptr<State> state_;
};

// Tuning that prometheus.yml does not set.
struct ClientOptions {
  int max_idle_per_host = 100;  // idle keep-alive connections kept per scheme://host:port
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(5)};  // then they are closed
  int max_redirects = 10;  // followed when follow_redirects; one more is an error
  size_t max_header_bytes = 10 << 20;
};

// Thread-safe: any thread may call Do at any time. The IoRuntime must outlive the client
// and be running while calls are in flight.
class HttpClient {
 public:
  using Callback = std::function<void(Result<ClientResponse>)>;

  // A client for `config`: basic_auth (password_file read at each request), authorization
  // (credentials_file likewise), tls_config (CA, client certificate and key loaded now),
  // follow_redirects. enable_http2 is ignored (HTTP/1.1 only). An error when a file cannot
  // be loaded, or for proxy_url and oauth2, which are not supported.
  static Result<std::shared_ptr<HttpClient>> Create(IoRuntime& runtime,
                                                    const config::HttpClientConfig& config,
                                                    ClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Starts `request`; `done` is called exactly once, on an I/O thread, with the response
  // (any status: non-2xx is not an error here) or an error worded as Go's client words it,
  // e.g. `Get "http://127.0.0.1:1/metrics": dial tcp 127.0.0.1:1: connect: connection
  // refused` or `...: context deadline exceeded`. Errors while reading the body come
  // without the prefix ("context deadline exceeded", "body size limit exceeded",
  // "unexpected EOF"), as Go reports them to a reader of the body.
  // If the IoRuntime is stopped first, `done` is destroyed without being called.
  CallHandle Do(ClientRequest request, Callback done);

  // Idle pooled connections (for tests and metrics).
  size_t IdleConnections() const;

  class Impl;

 private:
  explicit HttpClient(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;  // shared with the calls in flight
};

}  // namespace tsdbd::net
