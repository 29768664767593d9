#include "lib/net/client_connection.h"

#include <sys/socket.h>

#include <cctype>
#include <cerrno>

namespace tsdbd::net {

std::string SyscallText(const boost::system::error_code& ec) {
  std::string text = ec.message();
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

std::string FormatEndpoint(const tcp::endpoint& endpoint) {
  auto addr = endpoint.address();
  if (addr.is_v6() && addr.to_v6().is_v4_mapped()) {
    addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
  }
  std::string host = addr.to_string();
  if (addr.is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(endpoint.port());
}

namespace {

std::string ConnectionName(tcp::socket& socket) {
  boost::system::error_code ec1, ec2;
  auto local = socket.local_endpoint(ec1);
  auto remote = socket.remote_endpoint(ec2);
  if (ec1 || ec2) return "";
  return FormatEndpoint(local) + "->" + FormatEndpoint(remote);
}

}  // namespace

ClientConnection::ClientConnection(tcp::socket socket)
    : plain_(std::make_unique<tcp::socket>(std::move(socket))), name_(ConnectionName(*plain_)) {}

ClientConnection::ClientConnection(std::unique_ptr<asio::ssl::stream<tcp::socket>> stream)
    : tls_(std::move(stream)), name_(ConnectionName(tls_->next_layer())) {}

void ClientConnection::Close() {
  boost::system::error_code ignored;
  socket().shutdown(tcp::socket::shutdown_both, ignored);
  socket().close(ignored);
}

bool ClientConnection::LooksAlive() {
  if (!socket().is_open() || buffer_.size() > 0) return false;
  char byte;
  ssize_t n = ::recv(socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

std::unique_ptr<ClientConnection> ConnectionPool::Take(const std::string& key) {
  std::deque<std::unique_ptr<ClientConnection>> dead;  // closed outside the lock
  std::unique_ptr<ClientConnection> found;
  {
    std::lock_guard lock(mu_);
    auto it = idle_.find(key);
    if (it == idle_.end()) return nullptr;
    auto now = std::chrono::steady_clock::now();
    auto& list = it->second;
    while (!list.empty()) {
      auto c = std::move(list.back());
      list.pop_back();
      if (now - c->idle_since < idle_timeout_ && c->LooksAlive()) {
        found = std::move(c);
        break;
      }
      dead.push_back(std::move(c));
    }
    if (list.empty()) idle_.erase(it);
  }
  return found;
}

void ConnectionPool::Put(const std::string& key, std::unique_ptr<ClientConnection> connection) {
  std::deque<std::unique_ptr<ClientConnection>> dead;
  std::lock_guard lock(mu_);
  auto now = std::chrono::steady_clock::now();
  auto& list = idle_[key];
  // The oldest are at the front: drop the expired ones.
  while (!list.empty() && now - list.front()->idle_since >= idle_timeout_) {
    dead.push_back(std::move(list.front()));
    list.pop_front();
  }
  if (static_cast<int>(list.size()) >= max_idle_per_host_) return;  // closed on return
  connection->idle_since = now;
  list.push_back(std::move(connection));
}

size_t ConnectionPool::Idle() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [key, list] : idle_) n += list.size();
  return n;
}

}  // namespace tsdbd::net
