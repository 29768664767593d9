// The HTTP/1.1 server: one coroutine per connection on an IoRuntime (the process's shared
// one, or its own). No Asio or Beast in this header.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "lib/http/request.h"
#include "lib/http/router.h"
#include "lib/model/result.h"

namespace tsdbd::net {
class IoRuntime;
}  // namespace tsdbd::net

namespace tsdbd::http {

struct ServerOptions {
  std::string listen_address = "0.0.0.0:9090";  // host:port, "[::]:9090", ":9090" (all)
  std::string route_prefix = "/";               // --web.route-prefix: routes are served under it
  int max_connections = 512;                    // --web.max-connections; 0 = unlimited
  // --web.read-timeout: bounds reading one whole request (from its first byte), and how
  // long a keep-alive connection may sit idle between requests.
  std::chrono::milliseconds read_timeout{std::chrono::minutes(5)};
  size_t max_header_bytes = 1 << 20;  // request line + headers; beyond it: 431
  size_t max_body_bytes = 32 << 20;   // beyond it: 413
  int threads = 2;                    // I/O threads of the server's own runtime, if it has one
  // --web.config.file: TLS, security headers and basic-auth users (see WebConfigSource);
  // "" for none. Start fails when it cannot be loaded.
  std::string web_config_file;
};

// Called after each routed request that its handler answered (not for 404s, 405s,
// redirects, malformed requests, nor requests whose client reset the connection first)
// with the route's handler_label, the handler's status and the seconds from the request's
// first byte to its response being written. Runs on an I/O thread: keep it cheap.
using RequestObserver = std::function<void(std::string_view handler, int code, double seconds)>;

class Server {
 public:
  // A server on the shared `runtime`, which must outlive it and be running while the server
  // serves and stops.
  Server(net::IoRuntime& runtime, ServerOptions options, Router router,
         RequestObserver observer = {});
  // A server with its own runtime of options.threads threads, started by Start and stopped
  // by Stop.
  Server(ServerOptions options, Router router, RequestObserver observer = {});
  ~Server();  // Stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Loads the web config file (if any), binds, listens and starts accepting (and starts its
  // own runtime). An error when the web config file is invalid (naming it), when the
  // address is malformed, cannot be resolved or bound (in use, not local), or when called
  // twice.
  Status Start();

  // The bound port (useful after listening on port 0); 0 before Start.
  uint16_t port() const;

  // Graceful stop: stops accepting (new connections are refused), closes idle keep-alive
  // connections, lets requests in flight finish and answer for up to `grace`, then closes
  // whatever is left. Replies arriving later are dropped. A shared runtime keeps running;
  // the server's own runtime is stopped and its threads joined.
  // Idempotent. Must not be called from a handler or an observer (an I/O thread).
  void Stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

  class Impl;

 private:
  std::unique_ptr<net::IoRuntime> own_runtime_;  // null on a shared runtime
  std::shared_ptr<Impl> impl_;
};

}  // namespace tsdbd::http
