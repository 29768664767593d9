// Plain bodies are read straight into the response in large steps, reserved from
// Content-Length: large bodies in every framing arrive byte for byte, a lying Content-Length
// reserves nothing absurd, and the size limit holds without a Content-Length.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "lib/net/http_client.h"
#include "lib/net/io_runtime.h"
#include "tests/net/net_test_util.h"

namespace tsdbd::net {
namespace {

using testing::Fetch;
using testing::Get;
using testing::ScriptedPeer;

class HttpClientBodyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(runtime_.Start().ok());
    auto client = HttpClient::Create(runtime_, config::HttpClientConfig{});
    ASSERT_TRUE(client.ok()) << client.error().message();
    client_ = *client;
  }
  void TearDown() override {
    client_.reset();
    runtime_.Stop();
  }

  IoRuntime runtime_{2};
  std::shared_ptr<HttpClient> client_;
};

// Bytes that differ from place to place, so that a misplaced step shows.
std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 1000) % 26);
  return s;
}

std::string Chunked(const std::string& body, size_t step) {
  std::string out;
  for (size_t at = 0; at < body.size(); at += step) {
    const std::string part = body.substr(at, step);
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", part.size());
    out += size + part + "\r\n";
  }
  return out + "0\r\n\r\n";
}

TEST_F(HttpClientBodyTest, LargeBodiesArriveWholeInEveryFraming) {
  const std::string body = Pattern(1'000'003);  // many read steps, not a multiple of them
  ScriptedPeer peer([&](int fd, int index) {
    if (ScriptedPeer::ReadHead(fd).empty()) return;
    if (index == 0) {
      ScriptedPeer::Send(fd, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: " +
                                 std::to_string(body.size()) + "\r\n\r\n" + body);
    } else if (index == 1) {
      ScriptedPeer::Send(
          fd, "HTTP/1.1 200 OK\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n" +
                  Chunked(body, 99'991));
    } else {
      ScriptedPeer::Send(fd, "HTTP/1.0 200 OK\r\n\r\n" + body);  // ends at close
    }
  });
  for (const char* framing : {"content-length", "chunked", "close-delimited"}) {
    auto r = Fetch(*client_, Get(peer.url("/")));
    ASSERT_TRUE(r.ok()) << framing << ": " << r.error().message();
    EXPECT_EQ(r->body.size(), body.size()) << framing;
    EXPECT_TRUE(r->body == body) << framing;
  }
}

TEST_F(HttpClientBodyTest, LyingContentLengthReservesNothingAbsurd) {
  ScriptedPeer peer([](int fd, int) {
    if (ScriptedPeer::ReadHead(fd).empty()) return;
    ScriptedPeer::Send(fd, "HTTP/1.1 200 OK\r\nContent-Length: 999999999999999\r\n\r\nshort");
  });
  auto r = Fetch(*client_, Get(peer.url("/")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "unexpected EOF");
}

TEST_F(HttpClientBodyTest, SizeLimitHoldsForLargeBodiesWithAndWithoutContentLength) {
  const std::string body = Pattern(300'000);
  ScriptedPeer peer([&](int fd, int index) {
    if (ScriptedPeer::ReadHead(fd).empty()) return;
    if (index % 2 == 0) {
      ScriptedPeer::Send(fd, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: " +
                                 std::to_string(body.size()) + "\r\n\r\n" + body);
    } else {
      ScriptedPeer::Send(
          fd, "HTTP/1.1 200 OK\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n" +
                  Chunked(body, 70'000));
    }
  });
  for (int framing = 0; framing < 2; ++framing) {
    ClientRequest req = Get(peer.url("/"));
    req.max_body_bytes = static_cast<int64_t>(body.size()) - 1;
    auto r = Fetch(*client_, req);
    ASSERT_FALSE(r.ok()) << framing;
    EXPECT_EQ(r.error().message(), "body size limit exceeded") << framing;
  }
  for (int framing = 0; framing < 2; ++framing) {
    ClientRequest req = Get(peer.url("/"));
    req.max_body_bytes = static_cast<int64_t>(body.size());  // exactly the body: fine
    auto r = Fetch(*client_, req);
    ASSERT_TRUE(r.ok()) << framing << ": " << r.error().message();
    EXPECT_TRUE(r->body == body) << framing;
  }
}

}  // namespace
}  // namespace tsdbd::net
