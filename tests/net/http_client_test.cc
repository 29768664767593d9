// HttpClient against real peers on 127.0.0.1: tsdbd's own http::Server, and a scripted TCP
// peer for misbehaving servers.
#include "lib/net/http_client.h"

#include <zlib.h>

#include <atomic>
#include <mutex>
#include <set>

#include "gtest/gtest.h"
#include "lib/http/server.h"
#include "lib/net/io_runtime.h"
#include "tests/net/net_test_util.h"
#include "tests/testing/process.h"

namespace tsdbd::net {
namespace {

using testing::Fetch;
using testing::Get;
using testing::ScriptedPeer;

std::string Gzip(const std::string& data) {
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, data.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// One runtime, one http::Server on it, and a client: the usual arrangement.
class HttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(runtime_.Start().ok()); }
  void TearDown() override {
    if (server_) server_->Stop(std::chrono::milliseconds(0));
    server_.reset();
    client_.reset();
    runtime_.Stop();
  }

  void StartServer(http::Router router, http::ServerOptions options = {}) {
    options.listen_address = "127.0.0.1:0";
    server_ = std::make_unique<http::Server>(runtime_, options, std::move(router));
    ASSERT_TRUE(server_->Start().ok());
  }

  std::shared_ptr<HttpClient> MakeClient(const config::HttpClientConfig& config = {},
                                         ClientOptions options = {}) {
    auto client = HttpClient::Create(runtime_, config, options);
    EXPECT_TRUE(client.ok()) << client.error().message();
    return client.ok() ? *client : nullptr;
  }

  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + path;
  }

 public:
  // A router answering GET and POST on /echo with what it received, as "key: value" lines.
  static http::Router EchoRouter() {
    http::Router r;
    auto echo = [](const http::Request& req, http::Reply reply) {
      std::string out = "method: " + req.method + "\npath: " + req.raw_target + "\n";
      for (const char* name :
           {"Authorization", "Host", "Accept-Encoding", "Content-Type", "X-Test"}) {
        if (const std::string* v = req.Header(name)) out += std::string(name) + ": " + *v + "\n";
      }
      out += "remote: " + req.remote_address + "\nbody: " + req.body;
      http::Response res;
      res.body = out;
      res.headers.emplace_back("X-Served-By", "echo");
      reply(std::move(res));
    };
    for (const char* method : {"GET", "POST", "PUT", "HEAD"}) r.Add(method, "/echo", "echo", echo);
    r.Add("GET", "/status/:code", "status", [](const http::Request& req, http::Reply reply) {
      http::Response res;
      res.status = std::stoi(req.path_vars.at("code"));
      res.body = "status " + req.path_vars.at("code");
      reply(std::move(res));
    });
    return r;
  }

 protected:
  IoRuntime runtime_{2};
  std::unique_ptr<http::Server> server_;
  std::shared_ptr<HttpClient> client_;
};

std::string Line(const std::string& body, const std::string& key) {
  size_t at = body.find(key + ": ");
  if (at == std::string::npos) return "<none>";
  size_t end = body.find('\n', at);
  return body.substr(at + key.size() + 2,
                     end == std::string::npos ? end : end - at - key.size() - 2);
}

TEST_F(HttpClientTest, GetReturnsStatusHeadersAndBody) {
  StartServer(EchoRouter());
  auto client = MakeClient();
  auto r = Fetch(*client, Get(Url("/echo?x=1")));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->reason, "OK");
  EXPECT_EQ(r->content_type, "text/plain; charset=utf-8");
  ASSERT_NE(r->Header("x-served-by"), nullptr);
  EXPECT_EQ(*r->Header("X-Served-By"), "echo");
  EXPECT_EQ(Line(r->body, "method"), "GET");
  EXPECT_EQ(Line(r->body, "path"), "/echo?x=1");
  EXPECT_EQ(Line(r->body, "Host"), "127.0.0.1:" + std::to_string(server_->port()));
  EXPECT_EQ(r->url, Url("/echo?x=1"));
}

TEST_F(HttpClientTest, PostSendsBodyAndHeaders) {
  StartServer(EchoRouter());
  auto client = MakeClient();
  ClientRequest req = Get(Url("/echo"));
  req.method = "POST";
  req.body = "hello body";
  req.headers = {{"Content-Type", "application/x-protobuf"}, {"X-Test", "yes"}};
  auto r = Fetch(*client, req);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(Line(r->body, "method"), "POST");
  EXPECT_EQ(Line(r->body, "body"), "hello body");
  EXPECT_EQ(Line(r->body, "Content-Type"), "application/x-protobuf");
  EXPECT_EQ(Line(r->body, "X-Test"), "yes");
}

TEST_F(HttpClientTest, ErrorStatusesAreResponsesNotErrors) {
  StartServer(EchoRouter());
  auto client = MakeClient();
  for (int code : {404, 500, 503}) {
    auto r = Fetch(*client, Get(Url("/status/" + std::to_string(code))));
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->status, code);
    EXPECT_EQ(r->body, "status " + std::to_string(code));
  }
  auto missing = Fetch(*client, Get(Url("/nothing")));
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
}

TEST_F(HttpClientTest, HeadHasNoBody) {
  StartServer(EchoRouter());
  auto client = MakeClient();
  ClientRequest req = Get(Url("/echo"));
  req.method = "HEAD";
  auto r = Fetch(*client, req);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "");
  // The connection stays usable after a bodiless answer.
  auto again = Fetch(*client, Get(Url("/echo")));
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(Line(again->body, "method"), "GET");
}

TEST_F(HttpClientTest, GzipIsRequestedAndDecoded) {
  std::string big(50000, 'x');
  for (size_t i = 0; i < big.size(); i += 7) big[i] = static_cast<char>('a' + i % 26);
  http::Router router;
  router.Add("GET", "/big", "big", [big](const http::Request& req, http::Reply reply) {
    http::Response res;
    res.body = big;
    const std::string* ae = req.Header("Accept-Encoding");
    res.headers.emplace_back("X-Asked", ae ? *ae : "none");
    reply(std::move(res));
  });
  StartServer(std::move(router));
  auto client = MakeClient();

  auto r = Fetch(*client, Get(Url("/big")));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(*r->Header("X-Asked"), "gzip");
  EXPECT_EQ(r->body, big);
  EXPECT_EQ(r->Header("Content-Encoding"), nullptr);
  EXPECT_EQ(r->Header("Content-Length"), nullptr);

  ClientRequest plain = Get(Url("/big"));
  plain.accept_gzip = false;
  r = Fetch(*client, plain);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r->Header("X-Asked"), "none");
  EXPECT_EQ(r->body, big);

  // A caller that asks for an encoding itself gets the encoded body.
  ClientRequest raw = Get(Url("/big"));
  raw.headers = {{"Accept-Encoding", "gzip"}};
  r = Fetch(*client, raw);
  ASSERT_TRUE(r.ok());
  ASSERT_NE(r->Header("Content-Encoding"), nullptr);
  ASSERT_GE(r->body.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(r->body[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(r->body[1]), 0x8b);
}

TEST_F(HttpClientTest, KeepAliveReusesOneConnection) {
  StartServer(EchoRouter());
  auto client = MakeClient();
  std::set<std::string> remotes;
  for (int i = 0; i < 5; ++i) {
    auto r = Fetch(*client, Get(Url("/echo")));
    ASSERT_TRUE(r.ok()) << r.error().message();
    remotes.insert(Line(r->body, "remote"));
  }
  EXPECT_EQ(remotes.size(), 1u);
  EXPECT_EQ(client->IdleConnections(), 1u);
}

TEST_F(HttpClientTest, IdleConnectionsAreCapped) {
  StartServer(EchoRouter());
  ClientOptions options;
  options.max_idle_per_host = 2;
  auto client = MakeClient({}, options);
  // Eight calls at once need several connections; only two stay idle afterwards.
  std::vector<std::future<Result<ClientResponse>>> answers;
  for (int i = 0; i < 8; ++i) {
    answers.push_back(
        std::async(std::launch::async, [&] { return Fetch(*client, Get(Url("/echo"))); }));
  }
  for (auto& a : answers) {
    auto r = a.get();
    ASSERT_TRUE(r.ok()) << r.error().message();
  }
  EXPECT_LE(client->IdleConnections(), 2u);
  EXPECT_GE(client->IdleConnections(), 1u);
}

TEST_F(HttpClientTest, ConnectionClosedByServerWhileIdleIsReplaced) {
  // The server answers once and closes: the pooled connection is dead before its reuse.
  ScriptedPeer peer([](int fd, int) {
    if (ScriptedPeer::ReadHead(fd).empty()) return;
    ScriptedPeer::Send(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  });
  auto client = MakeClient();
  for (int i = 0; i < 3; ++i) {
    auto r = Fetch(*client, Get(peer.url("/")));
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->body, "ok");
  }
  EXPECT_EQ(peer.accepted(), 3);
}

TEST_F(HttpClientTest, ReusedConnectionFailingBeforeAnswerIsRetriedOnce) {
  std::atomic<int> requests_on_first{0};
  ScriptedPeer peer([&](int fd, int index) {
    if (index == 0) {
      // Answers the first request, reads the second, closes without a byte.
      if (ScriptedPeer::ReadHead(fd).empty()) return;
      ++requests_on_first;
      ScriptedPeer::Send(fd, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst");
      if (ScriptedPeer::ReadHead(fd).empty()) return;
      ++requests_on_first;
      return;
    }
    if (ScriptedPeer::ReadHead(fd).empty()) return;
    ScriptedPeer::Send(fd, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh");
    ScriptedPeer::WaitClosed(fd, std::chrono::seconds(1));
  });
  auto client = MakeClient();
  auto first = Fetch(*client, Get(peer.url("/")));
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_EQ(first->body, "first");
  auto second = Fetch(*client, Get(peer.url("/")));
  ASSERT_TRUE(second.ok()) << second.error().message();
  EXPECT_EQ(second->body, "fresh");
  EXPECT_EQ(requests_on_first.load(), 2);
  EXPECT_EQ(peer.accepted(), 2);
}

TEST_F(HttpClientTest, FreshConnectionClosedBeforeAnswerIsAnError) {
  ScriptedPeer peer([](int fd, int) { ScriptedPeer::ReadHead(fd); });
  auto client = MakeClient();
  auto r = Fetch(*client, Get(peer.url("/x")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "Get \"" + peer.url("/x") + "\": EOF");
  EXPECT_EQ(peer.accepted(), 1);  // not retried: the connection was new
}

TEST_F(HttpClientTest, MalformedAndTruncatedResponses) {
  ScriptedPeer peer([](int fd, int index) {
    if (ScriptedPeer::ReadHead(fd).empty()) return;
    if (index == 0) ScriptedPeer::Send(fd, "garbage garbage\r\n\r\n");
    if (index == 1) ScriptedPeer::Send(fd, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    if (index == 2) ScriptedPeer::Send(fd, "HTTP/1.1 200 OK\r\nContent-Le");
  });
  auto client = MakeClient();
  auto r = Fetch(*client, Get(peer.url("/")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "Get \"" + peer.url("/") +
                                     "\": net/http: HTTP/1.x transport connection broken: "
                                     "malformed HTTP response");
  r = Fetch(*client, Get(peer.url("/")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "unexpected EOF");  // while reading the body
  r = Fetch(*client, Get(peer.url("/")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "Get \"" + peer.url("/") + "\": unexpected EOF");
}

TEST_F(HttpClientTest, ChunkedAndCloseDelimitedBodies) {
  ScriptedPeer peer([](int fd, int index) {
    if (ScriptedPeer::ReadHead(fd).empty()) return;
    if (index == 0) {
      ScriptedPeer::Send(fd,
                         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
      ScriptedPeer::WaitClosed(fd, std::chrono::seconds(1));
    } else {
      ScriptedPeer::Send(fd, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close");
    }
  });
  auto client = MakeClient();
  auto r = Fetch(*client, Get(peer.url("/")));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->body, "hello world");
  client.reset();  // closes the pooled connection
  client = MakeClient();
  r = Fetch(*client, Get(peer.url("/")));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->body, "until close");
  EXPECT_EQ(r->content_type, "text/plain");
  EXPECT_EQ(client->IdleConnections(), 0u);
}

TEST_F(HttpClientTest, TimeoutWhileWaitingForTheAnswer) {
  std::mutex mu;
  std::vector<http::Reply> parked;  // never answered until the server stops
  http::Router router;
  router.Add("GET", "/slow", "slow", [&](const http::Request&, http::Reply reply) {
    std::lock_guard lock(mu);
    parked.push_back(std::move(reply));
  });
  StartServer(std::move(router));
  auto client = MakeClient();
  ClientRequest req = Get(Url("/slow"));
  req.timeout = std::chrono::milliseconds(300);
  auto r = Fetch(*client, req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "Get \"" + Url("/slow") + "\": context deadline exceeded");
  EXPECT_EQ(client->IdleConnections(), 0u);
}

TEST_F(HttpClientTest, TimeoutWhileReadingTheBody) {
  ScriptedPeer peer([](int fd, int) {
    if (ScriptedPeer::ReadHead(fd).empty()) return;
    ScriptedPeer::Send(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this");
    ScriptedPeer::WaitClosed(fd);
  });
  auto client = MakeClient();
  ClientRequest req = Get(peer.url("/"));
  req.timeout = std::chrono::milliseconds(300);
  auto r = Fetch(*client, req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "context deadline exceeded");
}

TEST_F(HttpClientTest, BodySizeLimit) {
  http::Router router;
  router.Add("GET", "/body", "body", [](const http::Request&, http::Reply reply) {
    http::Response res;
    res.body = std::string(10000, 'a');
    reply(std::move(res));
  });
  StartServer(std::move(router));
  auto client = MakeClient();
  for (bool gzip : {false, true}) {
    ClientRequest req = Get(Url("/body"));
    req.accept_gzip = gzip;
    req.max_body_bytes = 9999;
    auto r = Fetch(*client, req);
    ASSERT_FALSE(r.ok()) << "gzip " << gzip;
    EXPECT_EQ(r.error().message(), "body size limit exceeded");
    req.max_body_bytes = 10000;  // exactly the body: fine
    r = Fetch(*client, req);
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->body.size(), 10000u);
  }
}

TEST_F(HttpClientTest, GzipBombIsCutAtTheLimit) {
  std::string bomb = Gzip(std::string(50 << 20, '\0'));  // ~50 KiB on the wire
  ScriptedPeer peer([&](int fd, int) {
    if (ScriptedPeer::ReadHead(fd).empty()) return;
    ScriptedPeer::Send(fd, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " +
                               std::to_string(bomb.size()) + "\r\n\r\n" + bomb);
    ScriptedPeer::WaitClosed(fd);
  });
  auto client = MakeClient();
  ClientRequest req = Get(peer.url("/"));
  req.max_body_bytes = 1 << 20;
  auto r = Fetch(*client, req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "body size limit exceeded");
}

TEST_F(HttpClientTest, CorruptGzipIsAnError) {
  ScriptedPeer peer([](int fd, int) {
    if (ScriptedPeer::ReadHead(fd).empty()) return;
    ScriptedPeer::Send(fd,
                       "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 8\r\n\r\n"
                       "notgzip!");
    ScriptedPeer::WaitClosed(fd);
  });
  auto client = MakeClient();
  auto r = Fetch(*client, Get(peer.url("/")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "gzip: invalid header");
}

http::Router RedirectRouter() {
  http::Router r = HttpClientTest::EchoRouter();
  auto redirect = [](int status, std::string to) {
    return [status, to](const http::Request&, http::Reply reply) {
      http::Response res;
      res.status = status;
      res.headers.emplace_back("Location", to);
      reply(std::move(res));
    };
  };
  r.Add("GET", "/r302", "r", redirect(302, "/echo?from=302"));
  r.Add("POST", "/r303", "r", redirect(303, "echo"));
  r.Add("POST", "/r307", "r", redirect(307, "/echo"));
  r.Add("GET", "/loop", "r", redirect(302, "/loop"));
  r.Add("GET", "/chain/:n", "r", [](const http::Request& req, http::Reply reply) {
    int n = std::stoi(req.path_vars.at("n"));
    http::Response res;
    res.status = 302;
    res.headers.emplace_back("Location", n == 0 ? "/echo" : "/chain/" + std::to_string(n - 1));
    reply(std::move(res));
  });
  return r;
}

TEST_F(HttpClientTest, RedirectsAreFollowedAsGoDoes) {
  StartServer(RedirectRouter());
  auto client = MakeClient();
  auto r = Fetch(*client, Get(Url("/r302")));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(Line(r->body, "path"), "/echo?from=302");
  EXPECT_EQ(r->url, Url("/echo?from=302"));

  ClientRequest post = Get(Url("/r303"));
  post.method = "POST";
  post.body = "payload";
  r = Fetch(*client, post);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(Line(r->body, "method"), "GET");  // relative "echo" resolved against /r303
  EXPECT_EQ(Line(r->body, "body"), "");

  post.url = Url("/r307");
  r = Fetch(*client, post);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(Line(r->body, "method"), "POST");
  EXPECT_EQ(Line(r->body, "body"), "payload");

  r = Fetch(*client, Get(Url("/chain/9")));  // ten redirects: the most allowed
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(Line(r->body, "path"), "/echo");

  r = Fetch(*client, Get(Url("/chain/10")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "Get \"" + Url("/echo") + "\": stopped after 10 redirects");

  r = Fetch(*client, Get(Url("/loop")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "Get \"" + Url("/loop") + "\": stopped after 10 redirects");
}

TEST_F(HttpClientTest, RedirectsAreReturnedWhenNotFollowed) {
  StartServer(RedirectRouter());
  config::HttpClientConfig config;
  config.follow_redirects = false;
  auto client = MakeClient(config);
  auto r = Fetch(*client, Get(Url("/r302")));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, 302);
  ASSERT_NE(r->Header("Location"), nullptr);
  EXPECT_EQ(*r->Header("Location"), "/echo?from=302");
}

TEST_F(HttpClientTest, BasicAuthFromPasswordAndFile) {
  StartServer(RedirectRouter());
  tsdbd::testing::TempDir dir;
  std::string file = dir.WriteFile("password", "  s3cret\n");
  config::HttpClientConfig config;
  config.basic_auth = config::BasicAuth{"user", "pass", ""};
  auto r = Fetch(*MakeClient(config), Get(Url("/echo")));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(Line(r->body, "Authorization"), "Basic dXNlcjpwYXNz");  // user:pass

  config.basic_auth = config::BasicAuth{"user", "", file};
  auto client = MakeClient(config);
  r = Fetch(*client, Get(Url("/echo")));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(Line(r->body, "Authorization"), "Basic dXNlcjpzM2NyZXQ=");  // user:s3cret

  // Read again at each request, as Prometheus does.
  dir.WriteFile("password", "changed");
  r = Fetch(*client, Get(Url("/r302")));  // and sent again after a redirect
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(Line(r->body, "Authorization"), "Basic dXNlcjpjaGFuZ2Vk");  // user:changed

  // A request's own Authorization wins.
  ClientRequest own = Get(Url("/echo"));
  own.headers = {{"Authorization", "Custom x"}};
  r = Fetch(*client, own);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Line(r->body, "Authorization"), "Custom x");

  config.basic_auth = config::BasicAuth{"user", "", dir.path() + "/missing"};
  r = Fetch(*MakeClient(config), Get(Url("/echo")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "Get \"" + Url("/echo") + "\": unable to read basic auth password file " + dir.path() +
                "/missing: open " + dir.path() + "/missing: no such file or directory");
}

TEST_F(HttpClientTest, AuthorizationCredentialsAndFile) {
  StartServer(EchoRouter());
  tsdbd::testing::TempDir dir;
  config::HttpClientConfig config;
  config.authorization = config::Authorization{"Bearer", "tok123", ""};
  auto r = Fetch(*MakeClient(config), Get(Url("/echo")));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(Line(r->body, "Authorization"), "Bearer tok123");

  config.authorization = config::Authorization{"Token", "", dir.WriteFile("cred", "fromfile\n")};
  r = Fetch(*MakeClient(config), Get(Url("/echo")));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(Line(r->body, "Authorization"), "Token fromfile");

  config.authorization = config::Authorization{"Bearer", "", dir.path() + "/nope"};
  r = Fetch(*MakeClient(config), Get(Url("/echo")));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("unable to read authorization credentials file " + dir.path() +
                                     "/nope: open "),
            std::string::npos)
      << r.error().message();
}

TEST_F(HttpClientTest, ConnectionRefusedIsWordedAsGo) {
  uint16_t port = tsdbd::testing::FreePort();
  auto client = MakeClient();
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/metrics";
  auto r = Fetch(*client, Get(url));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "Get \"" + url + "\": dial tcp 127.0.0.1:" + std::to_string(port) +
                                     ": connect: connection refused");
}

TEST_F(HttpClientTest, BadUrlsAndUnknownHosts) {
  auto client = MakeClient();
  auto r = Fetch(*client, Get("ftp://127.0.0.1/x"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "Get \"ftp://127.0.0.1/x\": unsupported protocol scheme \"ftp\"");
  r = Fetch(*client, Get("http://nosuch.invalid/metrics"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "Get \"http://nosuch.invalid/metrics\": dial tcp: lookup nosuch.invalid: no such host");
}

TEST_F(HttpClientTest, HostNamesAndIpv6Literals) {
  StartServer(EchoRouter());
  auto client = MakeClient();
  auto r = Fetch(*client, Get("http://localhost:" + std::to_string(server_->port()) + "/echo"));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(Line(r->body, "Host"), "localhost:" + std::to_string(server_->port()));

  http::ServerOptions v6;
  v6.listen_address = "[::1]:0";
  http::Server server6(runtime_, v6, EchoRouter());
  if (!server6.Start().ok()) GTEST_SKIP() << "no IPv6 loopback";
  std::string url = "http://[::1]:" + std::to_string(server6.port()) + "/echo";
  r = Fetch(*client, Get(url));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(Line(r->body, "Host"), "[::1]:" + std::to_string(server6.port()));
  EXPECT_EQ(Line(r->body, "remote").rfind("[::1]:", 0), 0u);
  server6.Stop(std::chrono::milliseconds(0));
}

TEST_F(HttpClientTest, CancelStopsACallInFlight) {
  std::mutex mu;
  std::vector<http::Reply> parked;
  std::atomic<int> arrived{0};
  http::Router router;
  router.Add("GET", "/hang", "hang", [&](const http::Request&, http::Reply reply) {
    std::lock_guard lock(mu);
    parked.push_back(std::move(reply));
    ++arrived;
  });
  StartServer(std::move(router));
  auto client = MakeClient();
  auto promise = std::make_shared<std::promise<Result<ClientResponse>>>();
  auto future = promise->get_future();
  ClientRequest req = Get(Url("/hang"));
  req.timeout = std::chrono::milliseconds(0);  // only the cancel ends it
  CallHandle handle =
      client->Do(req, [promise](Result<ClientResponse> r) { promise->set_value(std::move(r)); });
  ASSERT_TRUE(tsdbd::testing::WaitUntil([&] { return arrived.load() == 1; }));
  handle.Cancel();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  auto r = future.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "Get \"" + Url("/hang") + "\": context canceled");
  handle.Cancel();  // after completion: nothing happens
  CallHandle().Cancel();
}

TEST_F(HttpClientTest, CancelDuringConnectAndBeforeStart) {
  auto client = MakeClient();
  // 10.255.255.1 does not answer on most networks: the connect hangs until cancelled.
  ClientRequest req = Get("http://10.255.255.1:9/x");
  req.timeout = std::chrono::milliseconds(0);
  auto promise = std::make_shared<std::promise<Result<ClientResponse>>>();
  auto future = promise->get_future();
  CallHandle handle =
      client->Do(req, [promise](Result<ClientResponse> r) { promise->set_value(std::move(r)); });
  handle.Cancel();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  auto r = future.get();
  ASSERT_FALSE(r.ok());
  // Cancelled at once, or the network refused first: never a success.
  EXPECT_TRUE(r.error().message().find("context canceled") != std::string::npos ||
              r.error().message().find("dial tcp") != std::string::npos)
      << r.error().message();
}

TEST_F(HttpClientTest, UnsupportedSettingsAreRefused) {
  config::HttpClientConfig config;
  config.proxy_url = "http://proxy:3128";
  auto client = HttpClient::Create(runtime_, config);
  ASSERT_FALSE(client.ok());
  EXPECT_NE(client.error().message().find("proxy_url is not supported"), std::string::npos);
  config = {};
  config.oauth2 = config::OAuth2{};
  EXPECT_FALSE(HttpClient::Create(runtime_, config).ok());
}

TEST_F(HttpClientTest, ManyConcurrentCallsFromManyThreads) {
  StartServer(EchoRouter());
  auto client = MakeClient();
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        auto r = Fetch(*client, Get(Url("/echo")));
        if (r.ok() && r->status == 200) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 100);
}

}  // namespace
}  // namespace tsdbd::net
