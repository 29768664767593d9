// A small blocking HTTP/1.1 client for the server tests: raw sockets on 127.0.0.1, every
// read bounded by a deadline so that no test can hang.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tsdbd::http::testing {

using Clock = std::chrono::steady_clock;

struct ParsedResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  const std::string* Header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k.size() == name.size() &&
          std::equal(k.begin(), k.end(), name.begin(),
                     [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
        return &v;
      }
    }
    return nullptr;
  }
  std::string HeaderOr(std::string_view name, std::string fallback = "") const {
    const std::string* v = Header(name);
    return v ? *v : fallback;
  }
};

// One TCP connection to 127.0.0.1:port. Closes on destruction.
class TestConnection {
 public:
  explicit TestConnection(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~TestConnection() { Close(); }
  TestConnection(const TestConnection&) = delete;
  TestConnection& operator=(const TestConnection&) = delete;

  bool connected() const { return connected_; }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // Sends our end of stream (a half-close): the server may still answer.
  void ShutdownWrite() { ::shutdown(fd_, SHUT_WR); }

  // Closes with a TCP reset instead of an orderly end of stream.
  void Reset() {
    linger l{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    Close();
  }

  // Sends everything; false when the peer is gone.
  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads one response (skipping 100 Continue unless keep_interim). nullopt when the connection
  // closed or `timeout` passed first. A HEAD response has no body: pass head = true.
  std::optional<ParsedResponse> Read(std::chrono::milliseconds timeout = std::chrono::seconds(10),
                                     bool head = false, bool keep_interim = false) {
    auto deadline = Clock::now() + timeout;
    for (;;) {
      size_t end = buf_.find("\r\n\r\n");
      while (end == std::string::npos) {
        if (!Fill(deadline)) return std::nullopt;
        end = buf_.find("\r\n\r\n");
      }
      ParsedResponse r;
      std::string_view head_text(buf_.data(), end);
      size_t line_end = head_text.find("\r\n");
      std::string_view status_line = head_text.substr(0, line_end);
      if (status_line.size() < 12) return std::nullopt;
      r.status = std::stoi(std::string(status_line.substr(9, 3)));
      std::string_view rest =
          line_end == std::string_view::npos ? "" : head_text.substr(line_end + 2);
      while (!rest.empty()) {
        size_t e = rest.find("\r\n");
        std::string_view line = rest.substr(0, e);
        rest = e == std::string_view::npos ? "" : rest.substr(e + 2);
        size_t colon = line.find(':');
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        r.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
      }
      buf_.erase(0, end + 4);
      if (r.status == 100) {
        if (keep_interim) return r;
        continue;
      }
      size_t length = 0;
      bool until_close = false;
      if (const std::string* cl = r.Header("Content-Length")) {
        length = std::stoul(*cl);
      } else if (r.status >= 200 && r.status != 204 && r.status != 304 && !head) {
        until_close = true;
      }
      if (head) length = 0;
      if (until_close) {
        while (Fill(deadline)) {
        }
        length = buf_.size();
      }
      while (buf_.size() < length) {
        if (!Fill(deadline)) return std::nullopt;
      }
      r.body = buf_.substr(0, length);
      buf_.erase(0, length);
      return r;
    }
  }

  // True when the server closes the connection (EOF or reset) within `timeout`; data that
  // arrives meanwhile is kept for Read.
  bool WaitClosed(std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (!eof_) {
      if (!Fill(deadline) && !eof_) return false;
    }
    return true;
  }

  // True when nothing at all arrives within `timeout` and the connection stays open.
  bool SilentFor(std::chrono::milliseconds timeout) {
    size_t before = buf_.size();
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      if (!Fill(deadline)) break;
    }
    return !eof_ && buf_.size() == before;
  }

 private:
  // Reads what is available before `deadline`; false on timeout, EOF or error.
  bool Fill(Clock::time_point deadline) {
    if (fd_ < 0 || eof_) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc <= 0) return false;
    char tmp[65536];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  std::string buf_;
};

// One request on a fresh connection.
inline std::optional<ParsedResponse> Fetch(
    uint16_t port, std::string_view raw,
    std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  TestConnection c(port);
  if (!c.connected() || !c.Send(raw)) return std::nullopt;
  return c.Read(timeout);
}

// "GET <target> HTTP/1.1" with Host and Connection: close, plus `extra` header lines.
inline std::string Get(std::string_view target, std::string_view extra = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n" + std::string(extra) +
         "Connection: close\r\n\r\n";
}

// Inflates a gzip or zlib body; nullopt when it is not valid.
inline std::optional<std::string> Inflate(std::string_view data) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 32) != Z_OK) return std::nullopt;  // +32: detect gzip or zlib
  std::string out;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  int rc = Z_OK;
  char tmp[65536];
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(tmp);
    z.avail_out = sizeof tmp;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(tmp, sizeof tmp - z.avail_out);
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END) return std::nullopt;
  return out;
}

}  // namespace tsdbd::http::testing
