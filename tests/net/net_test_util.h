// Shared by the net tests: a blocking wrapper around HttpClient::Do and a scripted TCP peer
// for the behaviours a well-behaved server never shows.
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "lib/net/http_client.h"

namespace tsdbd::net::testing {

// Runs `request` and waits (bounded) for its answer.
inline Result<ClientResponse> Fetch(HttpClient& client, ClientRequest request,
                                    std::chrono::seconds wait = std::chrono::seconds(30)) {
  auto promise = std::make_shared<std::promise<Result<ClientResponse>>>();
  auto future = promise->get_future();
  client.Do(std::move(request),
            [promise](Result<ClientResponse> r) { promise->set_value(std::move(r)); });
  if (future.wait_for(wait) != std::future_status::ready) {
    ADD_FAILURE() << "no answer within " << wait.count() << "s";
    return Error("test: no answer");
  }
  return future.get();
}

inline ClientRequest Get(const std::string& url) {
  ClientRequest r;
  r.url = url;
  r.timeout = std::chrono::seconds(20);
  return r;
}

// A TCP listener on 127.0.0.1 whose connections are handed, one at a time in accept order,
// to `serve(fd, index)` on its own thread. Every wait is bounded.
class ScriptedPeer {
 public:
  using Serve = std::function<void(int fd, int index)>;
  explicit ScriptedPeer(Serve serve) : serve_(std::move(serve)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }
  ~ScriptedPeer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  uint16_t port() const { return port_; }
  int accepted() const { return accepted_.load(); }
  std::string url(const std::string& path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  // Reads one request head (through the blank line) from `fd`; "" on EOF or after 10 s.
  static std::string ReadHead(int fd) {
    std::string head;
    char c;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (head.find("\r\n\r\n") == std::string::npos) {
      if (std::chrono::steady_clock::now() > deadline) return "";
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      if (::recv(fd, &c, 1, 0) != 1) return "";
      head += c;
    }
    return head;
  }
  static void Send(int fd, const std::string& data) {
    ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
  }
  // Waits (bounded) until the client closes `fd`.
  static void WaitClosed(int fd, std::chrono::seconds bound = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + bound;
    char buf[256];
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      if (::recv(fd, buf, sizeof buf, 0) <= 0) return;
    }
  }

 private:
  void Loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      int index = accepted_++;
      serve_(c, index);
      ::close(c);
    }
  }

  Serve serve_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

}  // namespace tsdbd::net::testing
