#include "tests/testing/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

namespace tsdbd::testing {
namespace {

using Clock = std::chrono::steady_clock;

class Socket {
 public:
  Socket() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

bool WaitFor(int fd, short events, Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) return false;
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, static_cast<int>(left.count())) == 1;
}

// Decodes a chunked body; false when it is incomplete.
bool Dechunk(const std::string& in, std::string* out) {
  out->clear();
  size_t pos = 0;
  for (;;) {
    const size_t eol = in.find("\r\n", pos);
    if (eol == std::string::npos) return false;
    const size_t size = std::stoul(in.substr(pos, eol - pos), nullptr, 16);
    pos = eol + 2;
    if (size == 0) return true;
    if (pos + size + 2 > in.size()) return false;
    out->append(in, pos, size);
    pos += size + 2;
  }
}

// Parses "HTTP/1.1 200 OK\r\nName: value\r\n...\r\n\r\nbody" (Content-Length, chunked or
// close-delimited).
HttpResponse Parse(const std::string& raw) {
  HttpResponse r;
  const size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos || raw.size() < 12) return r;
  r.status = std::atoi(raw.c_str() + 9);
  size_t pos = raw.find("\r\n") + 2;
  while (pos < head_end) {
    const size_t eol = raw.find("\r\n", pos);
    const std::string line = raw.substr(pos, eol - pos);
    const size_t colon = line.find(':');
    if (colon != std::string::npos) {
      size_t v = colon + 1;
      while (v < line.size() && line[v] == ' ') ++v;
      r.headers.emplace_back(line.substr(0, colon), line.substr(v));
    }
    pos = eol + 2;
  }
  r.body = raw.substr(head_end + 4);
  if (r.Header("Transfer-Encoding").value_or("") == "chunked") {
    std::string body;
    Dechunk(r.body, &body);
    r.body = std::move(body);
    std::erase_if(r.headers, [](const auto& h) {
      return strcasecmp(h.first.c_str(), "Transfer-Encoding") == 0;
    });
  }
  if (auto len = r.Header("Content-Length"))
    r.body.resize(std::min<size_t>(r.body.size(), std::stoul(*len)));
  return r;
}

}  // namespace

std::optional<std::string> HttpResponse::Header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (strcasecmp(k.c_str(), name.c_str()) == 0) return v;
  }
  return std::nullopt;
}

HttpResponse Fetch(uint16_t port, const HttpRequest& request, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  Socket s;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(s.fd(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return {};

  std::string out = request.method + " " + request.target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  out += "Connection: close\r\n";
  for (const auto& [k, v] : request.headers) out += k + ": " + v + "\r\n";
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    out += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
  }
  out += "\r\n" + request.body;
  for (size_t sent = 0; sent < out.size();) {
    if (!WaitFor(s.fd(), POLLOUT, deadline)) return {};
    const ssize_t n = ::send(s.fd(), out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return {};
    sent += static_cast<size_t>(n);
  }

  std::string raw;
  char buf[16384];
  for (;;) {
    if (!WaitFor(s.fd(), POLLIN, deadline)) return {};
    const ssize_t n = ::recv(s.fd(), buf, sizeof buf, 0);
    if (n < 0) return {};
    if (n == 0) break;
    raw.append(buf, static_cast<size_t>(n));
    // A HEAD response, or one with Content-Length, is complete before the peer closes.
    const size_t head_end = raw.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      HttpResponse partial = Parse(raw);
      if (request.method == "HEAD") return partial;
      if (auto len = partial.Header("Content-Length");
          len && raw.size() >= head_end + 4 + std::stoul(*len)) {
        return partial;
      }
    }
  }
  return Parse(raw);
}

HttpResponse Get(uint16_t port, const std::string& target) {
  HttpRequest request;
  request.target = target;
  return Fetch(port, request);
}

}  // namespace tsdbd::testing
