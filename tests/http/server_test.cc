// The server over real loopback connections.
#include "lib/http/server.h"

#include <gtest/gtest.h>

#include "tests/testing/process.h"

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "tests/http/test_client.h"

namespace tsdbd::http {
namespace {

using namespace std::chrono_literals;
using testing::Fetch;
using testing::Get;
using testing::ParsedResponse;
using testing::TestConnection;

// Answers with what it saw, one "key=value" per line.
void Echo(const Request& req, Reply reply) {
  Response r;
  r.body = "method=" + req.method + "\npath=" + req.path + "\n";
  for (const auto& [k, v] : req.params) r.body += "param " + k + "=" + v + "\n";
  for (const auto& [k, v] : req.path_vars) r.body += "var " + k + "=" + v + "\n";
  if (!req.form_error.empty()) r.body += "form_error=" + req.form_error + "\n";
  if (const std::string* h = req.Header("x-test")) r.body += "x-test=" + *h + "\n";
  if (!req.body.empty()) r.body += "body=" + req.body + "\n";
  reply(std::move(r));
}

// A gate that test code opens; handlers wait on it from their own threads.
class Latch {
 public:
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  bool Wait(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [this] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

// Threads started by handlers, joined at the end of the test.
class Workers {
 public:
  ~Workers() {
    for (auto& t : threads_) t.join();
  }
  void Run(std::function<void()> f) {
    std::lock_guard lock(mu_);
    threads_.emplace_back(std::move(f));
  }

 private:
  std::mutex mu_;
  std::vector<std::thread> threads_;
};

// Waits for `condition` with a deadline.
template <typename F>
bool Eventually(F condition, std::chrono::milliseconds timeout = 10s) {
  return tsdbd::testing::WaitUntil(std::function<bool()>(condition), timeout);
}

std::unique_ptr<Server> StartServer(Router router, ServerOptions options = {},
                                    RequestObserver observer = {}) {
  options.listen_address = "127.0.0.1:0";
  auto server = std::make_unique<Server>(options, std::move(router), std::move(observer));
  Status st = server->Start();
  EXPECT_TRUE(st.ok()) << st.message();
  EXPECT_NE(server->port(), 0);
  return server;
}

Router EchoRouter() {
  Router r;
  r.Add("GET", "/api/v1/query", "/api/v1/query", Echo);
  r.Add("POST", "/api/v1/query", "/api/v1/query", Echo);
  r.Add("GET", "/api/v1/label/:name/values", "/api/v1/label/:name/values", Echo);
  r.Add("GET", "/", "/", Echo);
  return r;
}

TEST(ServerTest, AnswersWithStatusHeadersAndLength) {
  Router r;
  r.Add("GET", "/created", "created", [](const Request&, Reply reply) {
    Response resp;
    resp.status = 201;
    resp.content_type = "application/json";
    resp.body = "{\"ok\":true}";
    resp.headers.emplace_back("X-Extra", "yes");
    reply(resp);
  });
  auto server = StartServer(std::move(r));
  auto resp = Fetch(server->port(), Get("/created"));
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 201);
  EXPECT_EQ(resp->body, "{\"ok\":true}");
  EXPECT_EQ(resp->HeaderOr("Content-Type"), "application/json");
  EXPECT_EQ(resp->HeaderOr("Content-Length"), "11");
  EXPECT_EQ(resp->HeaderOr("X-Extra"), "yes");
  EXPECT_NE(resp->HeaderOr("Date").find(" GMT"), std::string::npos);
}

TEST(ServerTest, UnknownPathIs404AndWrongMethodIs405) {
  auto server = StartServer(EchoRouter());
  auto resp = Fetch(server->port(), Get("/api/v1/nope"));
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 404);
  EXPECT_EQ(resp->body, "404 page not found\n");
  EXPECT_EQ(resp->HeaderOr("Content-Type"), "text/plain; charset=utf-8");

  resp = Fetch(server->port(),
               "DELETE /api/v1/query HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 405);
  EXPECT_EQ(resp->body, "Method Not Allowed\n");
  EXPECT_EQ(resp->HeaderOr("Allow"), "GET, OPTIONS, POST");

  resp = Fetch(server->port(),
               "OPTIONS /api/v1/query HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->HeaderOr("Allow"), "GET, OPTIONS, POST");
  EXPECT_EQ(resp->body, "");
}

TEST(ServerTest, QueryParametersRepeatedAndDecoded) {
  auto server = StartServer(EchoRouter());
  auto resp = Fetch(server->port(),
                    Get("/api/v1/query?query=up%7Bjob%3D%22a%22%7D&match[]=a&match%5B%5D=b+c"));
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body,
            "method=GET\npath=/api/v1/query\nparam query=up{job=\"a\"}\nparam match[]=a\n"
            "param match[]=b c\n");
}

TEST(ServerTest, FormBodyValuesComeBeforeQueryValues) {
  auto server = StartServer(EchoRouter());
  std::string body = "query=from_body&x=1";
  auto resp = Fetch(server->port(),
                    "POST /api/v1/query?query=from_query HTTP/1.1\r\nHost: t\r\n"
                    "Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\n"
                    "Content-Length: " +
                        std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->body,
            "method=POST\npath=/api/v1/query\nparam query=from_body\nparam x=1\n"
            "param query=from_query\nbody=" +
                body + "\n");

  // Another content type: the body is not a form.
  resp = Fetch(server->port(),
               "POST /api/v1/query HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\n"
               "Content-Length: 5\r\nConnection: close\r\n\r\nq=abc");
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->body, "method=POST\npath=/api/v1/query\nbody=q=abc\n");
}

TEST(ServerTest, MalformedFormValuesAreReportedNotFatal) {
  auto server = StartServer(EchoRouter());
  auto resp = Fetch(server->port(), Get("/api/v1/query?a=1&b=%ZZ&c=3"));
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body,
            "method=GET\npath=/api/v1/query\nparam a=1\nparam c=3\n"
            "form_error=invalid URL escape \"%ZZ\"\n");
}

TEST(ServerTest, PathVariablesAreDecoded) {
  auto server = StartServer(EchoRouter());
  auto resp = Fetch(server->port(), Get("/api/v1/label/job%2Dname/values"));
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body, "method=GET\npath=/api/v1/label/job-name/values\nvar name=job-name\n");
  // An escaped '/' is a '/' after decoding, as in Go: no longer one segment.
  resp = Fetch(server->port(), Get("/api/v1/label/a%2Fb/values"));
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 404);
}

TEST(ServerTest, RoutePrefix) {
  ServerOptions options;
  options.route_prefix = "/foo/";
  auto server = StartServer(EchoRouter(), options);
  uint16_t port = server->port();
  auto resp = Fetch(port, Get("/foo/api/v1/query?x=1"));
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body, "method=GET\npath=/api/v1/query\nparam x=1\n");

  resp = Fetch(port, Get("/foo/"));
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body, "method=GET\npath=/\n");

  for (const char* outside : {"/api/v1/query", "/foobar/api/v1/query", "/bar"}) {
    resp = Fetch(port, Get(outside));
    ASSERT_TRUE(resp) << outside;
    EXPECT_EQ(resp->status, 404) << outside;
    EXPECT_EQ(resp->body, "404 page not found\n");
  }
  // As Prometheus: "/" goes to the prefix, the prefix to its root.
  resp = Fetch(port, Get("/"));
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 302);
  EXPECT_EQ(resp->HeaderOr("Location"), "/foo");
  resp = Fetch(port, Get("/foo?a=b"));
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 301);
  EXPECT_EQ(resp->HeaderOr("Location"), "/foo/?a=b");
}

TEST(ServerTest, UncleanPathsAndTrailingSlashesRedirect) {
  auto server = StartServer(EchoRouter());
  auto resp = Fetch(server->port(), Get("//api/./v1/query?a=1"));
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 301);
  EXPECT_EQ(resp->HeaderOr("Location"), "/api/v1/query?a=1");
  EXPECT_EQ(resp->body, "<a href=\"/api/v1/query?a=1\">Moved Permanently</a>.\n\n");
  resp = Fetch(server->port(), Get("/api/v1/query/?a=1"));
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 301);
  EXPECT_EQ(resp->HeaderOr("Location"), "/api/v1/query?a=1");
}

TEST(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  auto server = StartServer(EchoRouter());
  TestConnection c(server->port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.Send("GET /api/v1/query?n=1 HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto first = c.Read();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->body, "method=GET\npath=/api/v1/query\nparam n=1\n");
  ASSERT_TRUE(c.Send("GET /api/v1/query?n=2 HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto second = c.Read();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->body, "method=GET\npath=/api/v1/query\nparam n=2\n");
  // 404s keep the connection too.
  ASSERT_TRUE(c.Send("GET /nope HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto third = c.Read();
  ASSERT_TRUE(third);
  EXPECT_EQ(third->status, 404);
}

TEST(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  Workers workers;
  Router r;
  // The first answer comes late, from another thread; the second must still come after it.
  r.Add("GET", "/slow", "slow", [&](const Request&, Reply reply) {
    workers.Run([reply] {
      std::this_thread::sleep_for(50ms);
      Response resp;
      resp.body = "slow";
      reply(resp);
    });
  });
  r.Add("GET", "/fast", "fast", [](const Request&, Reply reply) {
    Response resp;
    resp.body = "fast";
    reply(resp);
  });
  auto server = StartServer(std::move(r));
  TestConnection c(server->port());
  ASSERT_TRUE(c.Send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\nGET /fast HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto a = c.Read();
  auto b = c.Read();
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_EQ(a->body, "slow");
  EXPECT_EQ(b->body, "fast");
}

TEST(ServerTest, Http10ClosesAfterTheResponse) {
  auto server = StartServer(EchoRouter());
  TestConnection c(server->port());
  ASSERT_TRUE(c.Send("GET /api/v1/query HTTP/1.0\r\n\r\n"));
  auto resp = c.Read();
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 200);
  EXPECT_TRUE(c.WaitClosed(10s));
}

TEST(ServerTest, ConnectionCloseIsHonoured) {
  auto server = StartServer(EchoRouter());
  TestConnection c(server->port());
  ASSERT_TRUE(c.Send(Get("/api/v1/query")));
  auto resp = c.Read();
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->HeaderOr("Connection"), "close");
  EXPECT_TRUE(c.WaitClosed(10s));
}

std::string BigBody() {
  std::string body;
  for (int i = 0; i < 500; ++i)
    body += "{\"metric\":{\"job\":\"node\"},\"value\":" + std::to_string(i) + "}\n";
  return body;
}

TEST(ServerTest, GzipWhenAccepted) {
  Router r;
  r.Add("GET", "/big", "big", [](const Request&, Reply reply) {
    Response resp;
    resp.content_type = "application/json";
    resp.body = BigBody();
    reply(resp);
  });
  r.Add("GET", "/precompressed", "pre", [](const Request&, Reply reply) {
    Response resp;
    resp.body = "already-encoded";
    resp.headers.emplace_back("Content-Encoding", "snappy");
    reply(resp);
  });
  auto server = StartServer(std::move(r));

  auto resp = Fetch(server->port(), Get("/big", "Accept-Encoding: gzip, deflate\r\n"));
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->HeaderOr("Content-Encoding"), "gzip");
  EXPECT_EQ(resp->HeaderOr("Vary"), "Accept-Encoding");
  EXPECT_EQ(resp->HeaderOr("Content-Length"), std::to_string(resp->body.size()));
  EXPECT_LT(resp->body.size(), BigBody().size());
  EXPECT_EQ(testing::Inflate(resp->body), std::optional<std::string>(BigBody()));

  resp = Fetch(server->port(), Get("/big", "Accept-Encoding: deflate\r\n"));
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->HeaderOr("Content-Encoding"), "deflate");
  EXPECT_EQ(testing::Inflate(resp->body), std::optional<std::string>(BigBody()));

  for (const char* no : {"", "Accept-Encoding: br\r\n", "Accept-Encoding: gzip;q=0\r\n"}) {
    resp = Fetch(server->port(), Get("/big", no));
    ASSERT_TRUE(resp);
    EXPECT_EQ(resp->Header("Content-Encoding"), nullptr) << no;
    EXPECT_EQ(resp->body, BigBody());
  }

  resp = Fetch(server->port(), Get("/precompressed", "Accept-Encoding: gzip\r\n"));
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->HeaderOr("Content-Encoding"), "snappy");
  EXPECT_EQ(resp->body, "already-encoded");
}

TEST(ServerTest, HeadSendsHeadersOnly) {
  Router r;
  r.Add("HEAD", "/h", "h", [](const Request&, Reply reply) {
    Response resp;
    resp.body = "twelve bytes";
    reply(resp);
  });
  r.Add("GET", "/g", "g", Echo);
  auto server = StartServer(std::move(r));
  TestConnection c(server->port());
  ASSERT_TRUE(c.Send("HEAD /h HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto resp = c.Read(10s, /*head=*/true);
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->HeaderOr("Content-Length"), "12");
  // Nothing of the body was sent: the next response parses cleanly.
  ASSERT_TRUE(c.Send("GET /g HTTP/1.1\r\nHost: t\r\n\r\n"));
  resp = c.Read();
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->body, "method=GET\npath=/g\n");
  // As with Go's router, HEAD does not fall back to GET.
  ASSERT_TRUE(c.Send("HEAD /g HTTP/1.1\r\nHost: t\r\n\r\n"));
  resp = c.Read(10s, true);
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 405);
}

TEST(ServerTest, ExpectContinueGetsAnInterimResponse) {
  auto server = StartServer(EchoRouter());
  TestConnection c(server->port());
  ASSERT_TRUE(
      c.Send("POST /api/v1/query HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
             "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\r\n"));
  auto interim = c.Read(10s, false, /*keep_interim=*/true);
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(c.Send("a=1"));
  auto resp = c.Read();
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body, "method=POST\npath=/api/v1/query\nparam a=1\nbody=a=1\n");
}

TEST(ServerTest, OversizedHeadersGet431) {
  ServerOptions options;
  options.max_header_bytes = 4096;
  auto server = StartServer(EchoRouter(), options);
  TestConnection c(server->port());
  ASSERT_TRUE(c.Send("GET /api/v1/query HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(8192, 'a') +
                     "\r\n\r\n"));
  auto resp = c.Read();
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 431);
  EXPECT_TRUE(c.WaitClosed(10s));
  // Just under the limit is fine.
  resp = Fetch(server->port(), Get("/api/v1/query", "X-Big: " + std::string(3000, 'a') + "\r\n"));
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 200);
}

TEST(ServerTest, OversizedBodiesGet413) {
  ServerOptions options;
  options.max_body_bytes = 1024;
  auto server = StartServer(EchoRouter(), options);
  // Declared too large: refused before the body is read.
  TestConnection c(server->port());
  ASSERT_TRUE(c.Send("POST /api/v1/query HTTP/1.1\r\nHost: t\r\nContent-Length: 4096\r\n\r\n" +
                     std::string(4096, 'x')));
  auto resp = c.Read();
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 413);
  EXPECT_TRUE(c.WaitClosed(10s));
  // Chunked, growing past the limit.
  TestConnection d(server->port());
  std::string chunk = "400\r\n" + std::string(1024, 'y') + "\r\n";
  ASSERT_TRUE(
      d.Send("POST /api/v1/query HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" +
             chunk + chunk + "0\r\n\r\n"));
  resp = d.Read();
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 413);
  // At the limit is fine.
  resp = Fetch(server->port(),
               "POST /api/v1/query HTTP/1.1\r\nHost: t\r\nContent-Length: 1024\r\n"
               "Connection: close\r\n\r\n" +
                   std::string(1024, 'z'));
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 200);
}

TEST(ServerTest, MalformedRequestsGet400AndClose) {
  auto server = StartServer(EchoRouter());
  for (std::string raw : {std::string("GARBAGE\r\n\r\n"),
                          std::string("GET /api/v1/query HTTP/1.1\r\n\r\n"),  // no Host
                          std::string("GET /api/v1/q%ZZuery HTTP/1.1\r\nHost: t\r\n\r\n"),
                          std::string("GET api HTTP/1.1\r\nHost: t\r\n\r\n"),
                          std::string("GET / HTTP/1.1\r\nHost: t\r\nContent-Length: x\r\n\r\n")}) {
    TestConnection c(server->port());
    ASSERT_TRUE(c.Send(raw));
    auto resp = c.Read();
    ASSERT_TRUE(resp) << raw;
    EXPECT_EQ(resp->status, 400) << raw;
    EXPECT_EQ(resp->HeaderOr("Connection"), "close") << raw;
    EXPECT_TRUE(c.WaitClosed(10s)) << raw;
  }
  // The server still serves.
  auto resp = Fetch(server->port(), Get("/api/v1/query"));
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 200);
}

TEST(ServerTest, HandlerExceptionsBecome500) {
  Router r;
  r.Add("GET", "/throw", "throw", [](const Request&, Reply) { throw std::runtime_error("boom"); });
  auto server = StartServer(std::move(r));
  auto resp = Fetch(server->port(), Get("/throw"));
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 500);
}

TEST(ServerTest, ObserverSeesRoutedRequests) {
  std::mutex mu;
  std::vector<std::pair<std::string, int>> seen;
  auto server = StartServer(EchoRouter(), {}, [&](std::string_view handler, int code, double s) {
    std::lock_guard lock(mu);
    EXPECT_GE(s, 0);
    seen.emplace_back(std::string(handler), code);
  });
  ASSERT_TRUE(Fetch(server->port(), Get("/api/v1/label/job/values")));
  ASSERT_TRUE(Fetch(server->port(), Get("/nope")));
  ASSERT_TRUE(Eventually([&] {
    std::lock_guard lock(mu);
    return !seen.empty();
  }));
  server->Stop();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].first, "/api/v1/label/:name/values");
  EXPECT_EQ(seen[0].second, 200);
}

TEST(ServerTest, MaxConnectionsHoldsExtraConnectionsUntilOneCloses) {
  ServerOptions options;
  options.max_connections = 2;
  auto server = StartServer(EchoRouter(), options);
  uint16_t port = server->port();
  auto a = std::make_unique<TestConnection>(port);
  TestConnection b(port);
  for (TestConnection* c : {a.get(), &b}) {
    ASSERT_TRUE(c->Send("GET /api/v1/query HTTP/1.1\r\nHost: t\r\n\r\n"));
    auto resp = c->Read();
    ASSERT_TRUE(resp);
    EXPECT_EQ(resp->status, 200);
  }
  // The third connects (the kernel's backlog) but is not served while two are open.
  TestConnection third(port);
  ASSERT_TRUE(third.connected());
  ASSERT_TRUE(third.Send("GET /api/v1/query HTTP/1.1\r\nHost: t\r\n\r\n"));
  EXPECT_TRUE(third.SilentFor(300ms));
  a.reset();  // frees a slot
  auto resp = third.Read(10s);
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 200);
}

TEST(ServerTest, SlowClientIsCutOffByReadTimeoutWithoutBlockingOthers) {
  ServerOptions options;
  options.read_timeout = 300ms;
  options.threads = 1;
  auto server = StartServer(EchoRouter(), options);
  uint16_t port = server->port();
  std::string request =
      "GET /api/v1/query HTTP/1.1\r\nHost: t\r\nX-Slow: " + std::string(400, 'a') + "\r\n\r\n";
  TestConnection slow(port);
  bool closed = false;
  size_t sent = 0;
  // One byte at a time, 20ms apart (WaitClosed paces and watches at once).
  for (; sent < request.size() && !closed; ++sent) {
    if (!slow.Send(std::string_view(request).substr(sent, 1))) {
      closed = true;
      break;
    }
    if (sent % 10 == 0) {
      // Meanwhile, another client is served at once, even on one I/O thread.
      auto resp = Fetch(port, Get("/api/v1/query"));
      ASSERT_TRUE(resp);
      EXPECT_EQ(resp->status, 200);
    }
    closed = slow.WaitClosed(20ms);
  }
  EXPECT_TRUE(closed) << "sent all " << sent << " bytes without being cut off";
  EXPECT_LT(sent, request.size());
  EXPECT_FALSE(slow.Read(100ms).has_value());  // closed without an answer
}

TEST(ServerTest, IdleKeepAliveConnectionIsClosedAfterReadTimeout) {
  ServerOptions options;
  options.read_timeout = 300ms;
  auto server = StartServer(EchoRouter(), options);
  TestConnection c(server->port());
  ASSERT_TRUE(c.Send("GET /api/v1/query HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(c.Read());
  EXPECT_TRUE(c.WaitClosed(10s));
  TestConnection silent(server->port());  // never sends a byte
  EXPECT_TRUE(silent.WaitClosed(10s));
}

TEST(ServerTest, DelayedReplyFromAnotherThreadDoesNotBlockTheIoThread) {
  Latch latch;
  Workers workers;
  Router r;
  r.Add("GET", "/later", "later", [&](const Request& req, Reply reply) {
    std::string path = req.path;  // the request dies with the call: copy
    workers.Run([&latch, reply, path] {
      Response resp;
      resp.body = latch.Wait(10s) ? "late " + path : "latch timed out";
      reply(resp);
      reply(Response{});  // a second call is ignored
    });
  });
  r.Add("GET", "/now", "now", Echo);
  ServerOptions options;
  options.threads = 1;
  auto server = StartServer(std::move(r), options);
  TestConnection waiting(server->port());
  ASSERT_TRUE(waiting.Send("GET /later HTTP/1.1\r\nHost: t\r\n\r\n"));
  // The single I/O thread still serves others while that reply is pending.
  auto other = Fetch(server->port(), Get("/now"));
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 200);
  latch.Open();
  auto resp = waiting.Read();
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->body, "late /later");
  // Same connection, next request: the ignored second reply did not leak into it.
  ASSERT_TRUE(waiting.Send("GET /now HTTP/1.1\r\nHost: t\r\n\r\n"));
  resp = waiting.Read();
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->body, "method=GET\npath=/now\n");
}

TEST(ServerTest, ReplyAfterClientDisconnectIsDropped) {
  std::mutex mu;
  std::vector<Reply> pending;
  Router r;
  r.Add("GET", "/hold", "hold", [&](const Request&, Reply reply) {
    std::lock_guard lock(mu);
    pending.push_back(std::move(reply));
  });
  r.Add("GET", "/now", "now", Echo);
  auto server = StartServer(std::move(r));
  {
    TestConnection c(server->port());
    ASSERT_TRUE(c.Send("GET /hold HTTP/1.1\r\nHost: t\r\n\r\n"));
    ASSERT_TRUE(Eventually([&] {
      std::lock_guard lock(mu);
      return pending.size() == 1;
    }));
  }  // the client goes away
  Response resp;
  resp.body = std::string(1 << 20, 'x');  // large enough to hit the closed socket
  std::thread([&] { pending[0](resp); }).join();
  auto ok = Fetch(server->port(), Get("/now"));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

// Holds the requests' replies and cancellation flags for the test to use.
struct Held {
  std::mutex mu;
  std::vector<Reply> replies;
  std::vector<std::shared_ptr<const std::atomic<bool>>> cancelled;

  Handler Handle() {
    return [this](const Request& req, Reply reply) {
      std::lock_guard lock(mu);
      replies.push_back(std::move(reply));
      cancelled.push_back(req.cancelled);
    };
  }
  size_t size() {
    std::lock_guard lock(mu);
    return replies.size();
  }
  bool Cancelled(size_t i) {
    std::lock_guard lock(mu);
    return cancelled.at(i) && cancelled[i]->load();
  }
  void Answer(size_t i, std::string body) {
    Reply reply;
    {
      std::lock_guard lock(mu);
      reply = replies.at(i);
    }
    Response resp;
    resp.body = std::move(body);
    std::thread([&] { reply(resp); }).join();
  }
};

TEST(ServerTest, ClientLeavingCancelsTheRequestAndFreesItsSlot) {
  Held held;
  Router r;
  r.Add("GET", "/hold", "hold", held.Handle());
  r.Add("GET", "/now", "now", Echo);
  ServerOptions options;
  options.max_connections = 1;
  auto server = StartServer(std::move(r), options);
  {
    TestConnection c(server->port());
    ASSERT_TRUE(c.Send("GET /hold HTTP/1.1\r\nHost: t\r\n\r\n"));
    ASSERT_TRUE(Eventually([&] { return held.size() == 1; }));
    EXPECT_FALSE(held.Cancelled(0));
  }  // the client closes
  EXPECT_TRUE(Eventually([&] { return held.Cancelled(0); }));
  held.Answer(0, "too late");
  // The one connection slot is free again.
  auto resp = Fetch(server->port(), Get("/now"));
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 200);
}

TEST(ServerTest, HalfClosedClientStillGetsItsAnswer) {
  Held held;
  Router r;
  r.Add("GET", "/hold", "hold", held.Handle());
  auto server = StartServer(std::move(r));
  TestConnection c(server->port());
  ASSERT_TRUE(c.Send("GET /hold HTTP/1.1\r\nHost: t\r\n\r\n"));
  c.ShutdownWrite();
  ASSERT_TRUE(Eventually([&] { return held.size() == 1; }));
  EXPECT_TRUE(Eventually([&] { return held.Cancelled(0); }));
  held.Answer(0, "answer");
  auto resp = c.Read();
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->body, "answer");
  EXPECT_EQ(resp->HeaderOr("Connection"), "close");
  EXPECT_TRUE(c.WaitClosed(10s));
}

TEST(ServerTest, ResetClientIsForgottenWithoutWaitingForTheHandler) {
  Held held;
  Router r;
  r.Add("GET", "/hold", "hold", held.Handle());
  r.Add("GET", "/now", "now", Echo);
  ServerOptions options;
  options.max_connections = 1;
  auto server = StartServer(std::move(r), options);
  TestConnection c(server->port());
  ASSERT_TRUE(c.Send("GET /hold HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(Eventually([&] { return held.size() == 1; }));
  c.Reset();
  EXPECT_TRUE(Eventually([&] { return held.Cancelled(0); }));
  // Served although the held handler has not answered.
  auto resp = Fetch(server->port(), Get("/now"));
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 200);
  held.Answer(0, "dropped");
}

TEST(ServerTest, StopLetsInFlightRequestsFinishAndRefusesNewConnections) {
  Latch latch;
  Workers workers;
  std::atomic<bool> handler_started{false};
  Router r;
  r.Add("GET", "/slow", "slow", [&](const Request&, Reply reply) {
    handler_started = true;
    workers.Run([&latch, reply] {
      Response resp;
      resp.body = latch.Wait(10s) ? "finished" : "latch timed out";
      reply(resp);
    });
  });
  r.Add("GET", "/now", "now", Echo);
  auto server = StartServer(std::move(r));
  uint16_t port = server->port();

  TestConnection idle(port);  // keep-alive, between requests
  ASSERT_TRUE(idle.Send("GET /now HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(idle.Read());
  TestConnection busy(port);
  ASSERT_TRUE(busy.Send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(Eventually([&] { return handler_started.load(); }));

  auto stopped = std::async(std::launch::async, [&] { server->Stop(10s); });
  // New connections are refused once stopping; idle ones are closed.
  EXPECT_TRUE(Eventually([&] { return !TestConnection(port).connected(); }));
  EXPECT_TRUE(idle.WaitClosed(10s));
  EXPECT_EQ(stopped.wait_for(0ms), std::future_status::timeout);  // still waiting for /slow

  latch.Open();
  auto resp = busy.Read();
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body, "finished");
  EXPECT_EQ(resp->HeaderOr("Connection"), "close");
  ASSERT_EQ(stopped.wait_for(10s), std::future_status::ready);
  EXPECT_FALSE(TestConnection(port).connected());
  server->Stop();  // idempotent
}

TEST(ServerTest, StopAfterGraceDropsRepliesThatNeverCame) {
  std::mutex mu;
  std::vector<Reply> pending;
  Router r;
  r.Add("GET", "/never", "never", [&](const Request&, Reply reply) {
    std::lock_guard lock(mu);
    pending.push_back(std::move(reply));
  });
  auto server = StartServer(std::move(r));
  TestConnection c(server->port());
  ASSERT_TRUE(c.Send("GET /never HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(Eventually([&] {
    std::lock_guard lock(mu);
    return pending.size() == 1;
  }));
  server->Stop(50ms);
  EXPECT_TRUE(c.WaitClosed(10s));
  EXPECT_FALSE(c.Read(100ms).has_value());
  // The server and its io_context are gone; a late reply must be harmless.
  pending[0](Response{});
  server.reset();
}

// Several clients at once, answers now and later from other threads: every response must
// reach the connection that asked for it.
TEST(ServerTest, ConcurrentClientsGetTheirOwnAnswers) {
  Workers workers;
  Router r;
  r.Add("GET", "/id", "id", [&](const Request& req, Reply reply) {
    std::string id = *req.Param("id");
    auto answer = [reply, id] {
      Response resp;
      resp.body = id;
      reply(resp);
    };
    if (id.back() % 2 == 0) {
      answer();
    } else {
      workers.Run(answer);
    }
  });
  auto server = StartServer(std::move(r));
  constexpr int kClients = 6, kRequests = 40;
  std::atomic<int> good{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      TestConnection conn(server->port());
      for (int i = 0; i < kRequests; ++i) {
        std::string id = std::to_string(c) + "-" + std::to_string(i);
        if (!conn.Send("GET /id?id=" + id + " HTTP/1.1\r\nHost: t\r\n" +
                       (i % 3 == 0 ? "Accept-Encoding: gzip\r\n" : "") + "\r\n")) {
          return;
        }
        auto resp = conn.Read();
        if (!resp) return;
        std::string body = resp->Header("Content-Encoding")
                               ? testing::Inflate(resp->body).value_or("")
                               : resp->body;
        if (body == id) ++good;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(good.load(), kClients * kRequests);
}

// Stop while clients keep sending: no crash, no hang; every answer that arrives is whole.
TEST(ServerTest, StopUnderLoad) {
  Workers workers;
  Router r;
  r.Add("GET", "/id", "id", [&](const Request& req, Reply reply) {
    std::string id = *req.Param("id");
    workers.Run([reply, id] {
      Response resp;
      resp.body = id;
      reply(resp);
    });
  });
  auto server = StartServer(std::move(r));
  uint16_t port = server->port();
  std::atomic<int> answered{0}, wrong{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < 200; ++i) {
        std::string id = std::to_string(c) + "-" + std::to_string(i);
        TestConnection conn(port);
        if (!conn.connected()) return;  // stopped
        if (!conn.Send(Get("/id?id=" + id))) continue;
        auto resp = conn.Read(10s);
        if (!resp) continue;
        ++answered;
        if (resp->body != id) ++wrong;
      }
    });
  }
  ASSERT_TRUE(Eventually([&] { return answered.load() >= 20; }));
  server->Stop(2s);
  for (auto& t : clients) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(ServerTest, ListenErrors) {
  auto first = StartServer(EchoRouter());
  ServerOptions options;
  options.listen_address = "127.0.0.1:" + std::to_string(first->port());
  Server second(options, EchoRouter());
  Status st = second.Start();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("in use"), std::string::npos) << st.message();

  for (const char* bad : {"nonsense", "127.0.0.1:99999", "127.0.0.1:http", "[::1:80"}) {
    options.listen_address = bad;
    Server s(options, EchoRouter());
    st = s.Start();
    EXPECT_FALSE(st.ok()) << bad;
    EXPECT_NE(st.message().find(bad), std::string::npos) << st.message();
  }
  // An address that is not this machine's.
  options.listen_address = "192.0.2.1:0";
  Server foreign(options, EchoRouter());
  EXPECT_FALSE(foreign.Start().ok());

  // Start twice.
  EXPECT_FALSE(first->Start().ok());
}

TEST(ServerTest, ListensOnAllInterfacesAndReportsThePeer) {
  Router r;
  r.Add("GET", "/peer", "peer", [](const Request& req, Reply reply) {
    Response resp;
    resp.body = req.remote_address;
    reply(resp);
  });
  ServerOptions options;
  options.listen_address = ":0";  // every interface, as ":9090" means
  Server server(options, std::move(r));
  Status st = server.Start();
  ASSERT_TRUE(st.ok()) << st.message();
  TestConnection c(server.port());
  ASSERT_TRUE(c.Send(Get("/peer")));
  auto resp = c.Read();
  ASSERT_TRUE(resp);
  EXPECT_TRUE(resp->body.starts_with("127.0.0.1:")) << resp->body;
  EXPECT_GT(resp->body.size(), std::string("127.0.0.1:").size());
}

TEST(ServerTest, StopBeforeStartAndDestructorAreSafe) {
  Server never_started(ServerOptions{}, EchoRouter());
  never_started.Stop();
  auto server = StartServer(EchoRouter());
  TestConnection c(server->port());
  ASSERT_TRUE(c.Send("GET /api/v1/query HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(c.Read());
  server.reset();  // the destructor stops
  EXPECT_TRUE(c.WaitClosed(10s));
}

}  // namespace
}  // namespace tsdbd::http
