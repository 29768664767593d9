// Private to lib/net: one client-side connection (plain or TLS) and the pool of idle
// keep-alive connections. Includes Asio, so only lib/net's .cc files include it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace tsdbd::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class ClientConnection {
 public:
  // A plain connection on a connected `socket`.
  explicit ClientConnection(tcp::socket socket);
  // A TLS connection (handshake still to do) on a connected socket inside `stream`.
  explicit ClientConnection(std::unique_ptr<asio::ssl::stream<tcp::socket>> stream);
  ClientConnection(const ClientConnection&) = delete;
  ClientConnection& operator=(const ClientConnection&) = delete;

  tcp::socket& socket() { return tls_ ? tls_->next_layer() : *plain_; }
  tcp::socket* plain() { return plain_.get(); }
  asio::ssl::stream<tcp::socket>* tls() { return tls_.get(); }
  boost::beast::flat_buffer& buffer() { return buffer_; }
  // "127.0.0.1:40000->127.0.0.1:9090", as Go names a connection in read/write errors.
  const std::string& name() const { return name_; }

  // Aborts whatever is pending on the connection; it is unusable afterwards.
  void Close();

  // For the pool: whether an idle connection still looks usable (no EOF, no stray bytes
  // from the server). A cheap non-blocking peek; a race remains, covered by the retry.
  bool LooksAlive();

  std::chrono::steady_clock::time_point idle_since;

 private:
  std::unique_ptr<tcp::socket> plain_;
  std::unique_ptr<asio::ssl::stream<tcp::socket>> tls_;
  boost::beast::flat_buffer buffer_;
  std::string name_;
};

// Idle connections by "scheme://host:port". Thread-safe.
class ConnectionPool {
 public:
  ConnectionPool(int max_idle_per_host, std::chrono::milliseconds idle_timeout)
      : max_idle_per_host_(max_idle_per_host), idle_timeout_(idle_timeout) {}

  // The most recently used idle connection to `key` that still looks alive, or null.
  std::unique_ptr<ClientConnection> Take(const std::string& key);
  // Keeps `connection` for reuse, unless `key` already has max_idle_per_host idle ones.
  void Put(const std::string& key, std::unique_ptr<ClientConnection> connection);
  size_t Idle() const;

 private:
  const int max_idle_per_host_;
  const std::chrono::milliseconds idle_timeout_;
  mutable std::mutex mu_;
  std::map<std::string, std::deque<std::unique_ptr<ClientConnection>>> idle_;  // guarded by mu_
};

// Go's words for a system error: strerror's text starting lower-case ("connection refused").
std::string SyscallText(const boost::system::error_code& ec);

// "127.0.0.1:9090", "[::1]:9090".
std::string FormatEndpoint(const tcp::endpoint& endpoint);

}  // namespace tsdbd::net
