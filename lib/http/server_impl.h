// Private to lib/http: the server's state and its connections. Includes Asio and Beast, so
// only lib/http's .cc files include it.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include "lib/http/basic_auth.h"
#include "lib/http/server.h"
#include "lib/http/web_config_source.h"
#include "lib/net/io_runtime.h"

namespace tsdbd::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Strand = asio::strand<asio::io_context::executor_type>;

// Closed by Stop before the io_context is destroyed, so that a Reply called late (from a
// query thread) never posts to a dead io_context.
struct ReplyGate {
  std::mutex mu;
  bool open = true;
};

// One handler's pending answer, shared between the connection and the Reply function.
struct ReplyState {
  std::mutex mu;
  bool replied = false;
  std::optional<Response> response;
  // The connection's strand while it waits for the response; reset (under mu) when it
  // stops waiting, always before the io_context is destroyed.
  std::optional<Strand> strand;
  asio::steady_timer* waiter = nullptr;  // touched only on the connection's strand

  bool replied_now() {
    std::lock_guard lock(mu);
    return replied;
  }
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::shared_ptr<Server::Impl> server, Strand strand, tcp::socket socket);

  // The connection's coroutine: reads requests, dispatches them, writes responses.
  asio::awaitable<void> Run();

  // Posted by Stop: close now if idle (or if `force`), else after the current response.
  void Shutdown(bool force);

  const Strand& strand() const { return strand_; }

 private:
  // HTTPS: tells a plain HTTP client off (Go's 400), else completes the TLS handshake
  // (with the bytes already read into `buffer`). False when the connection is done.
  asio::awaitable<bool> StartTls(boost::beast::flat_buffer& buffer);
  // Reads requests from `stream` (plain or TLS) and answers them until the connection ends.
  template <class Stream>
  asio::awaitable<void> Serve(Stream& stream, boost::beast::flat_buffer& buffer);
  // The TCP layer, under TLS or not.
  boost::beast::tcp_stream& tcp() { return tls_ ? tls_->next_layer() : stream_; }

  std::shared_ptr<Server::Impl> server_;  // kept alive while the connection runs
  Strand strand_;
  std::shared_ptr<const LoadedWebConfig> tls_config_;  // owns tls_'s context: declared first
  boost::beast::tcp_stream stream_;  // moved into tls_ when the connection is HTTPS
  std::unique_ptr<boost::beast::ssl_stream<boost::beast::tcp_stream>> tls_;
  std::string remote_address_;
  // The rest is touched only on strand_.
  bool idle_ = true;                            // waiting for the first byte of a request
  bool closing_ = false;                        // close after the current response
  bool forced_ = false;                         // closed by Stop: abandon the current request
  asio::steady_timer* reply_waiter_ = nullptr;  // set while waiting for a handler's reply
};

// Shared by the Server and the coroutines it spawns on the runtime, so that one still
// finishing after Stop (bounded waits gave up on it) never touches a destroyed server.
class Server::Impl : public std::enable_shared_from_this<Server::Impl> {
 public:
  Impl(net::IoRuntime& runtime, ServerOptions options, Router router, RequestObserver observer);

  Status Start();
  void Stop(std::chrono::milliseconds grace);
  uint16_t port() const { return port_.load(); }

  const ServerOptions& options() const { return options_; }
  const Router& router() const { return router_; }
  const RequestObserver& observer() const { return observer_; }
  const std::string& prefix() const { return prefix_; }
  const std::shared_ptr<ReplyGate>& gate() const { return gate_; }
  // The web config file's source; null without --web.config.file.
  WebConfigSource* web_config() const { return web_config_.get(); }
  // Whether connections are HTTPS (the web config had tls_server_config at Start).
  bool serves_tls() const { return serves_tls_; }
  BasicAuthenticator& authenticator() { return authenticator_; }
  // Runs bcrypt checks off the I/O threads, one at a time (as exporter-toolkit does).
  // Set with web_config().
  asio::thread_pool& bcrypt_pool() { return *bcrypt_pool_; }

  // Called by a connection when its coroutine ends.
  void Forget(const std::shared_ptr<Connection>& connection);

 private:
  asio::awaitable<void> AcceptLoop(std::shared_ptr<Impl> self);

  ServerOptions options_;
  Router router_;
  RequestObserver observer_;
  std::string prefix_;  // route prefix without its trailing '/': "" for "/"
  std::shared_ptr<ReplyGate> gate_ = std::make_shared<ReplyGate>();
  std::atomic<uint16_t> port_{0};
  std::unique_ptr<WebConfigSource> web_config_;  // set by Start, then read-only
  bool serves_tls_ = false;                      // set by Start, then read-only
  BasicAuthenticator authenticator_;
  // After authenticator_: destroyed (joined) first, so a check in progress finishes while
  // the authenticator it uses still exists.
  std::unique_ptr<asio::thread_pool> bcrypt_pool_;

  net::IoRuntime& runtime_;
  std::optional<Strand> accept_strand_;
  std::unique_ptr<tcp::acceptor> acceptor_;   // used on accept_strand_
  std::unique_ptr<asio::steady_timer> slot_;  // on accept_strand_: a connection slot freed

  std::mutex mu_;
  std::condition_variable cv_;                         // signalled when a connection ends
  std::set<std::shared_ptr<Connection>> connections_;  // guarded by mu_
  bool started_ = false;                               // guarded by mu_
  bool stopping_ = false;                              // guarded by mu_
  bool stopped_ = false;                               // guarded by mu_
  bool accepting_ = false;  // guarded by mu_: the accept loop has not returned yet
};

}  // namespace tsdbd::http
