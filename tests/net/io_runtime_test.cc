// IoRuntime alone, and http::Servers sharing one.
#include "lib/net/io_runtime.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>

#include "gtest/gtest.h"
#include "lib/http/server.h"
#include "lib/net/http_client.h"
#include "tests/net/net_test_util.h"

namespace tsdbd::net {
namespace {

TEST(IoRuntimeTest, RunsPostedWorkOnItsThreads) {
  IoRuntime runtime(3);
  EXPECT_FALSE(runtime.InIoThread());
  std::promise<bool> in_thread;
  auto future = in_thread.get_future();
  // Work queued before Start runs once the threads start.
  boost::asio::post(runtime.context(), [&] { in_thread.set_value(runtime.InIoThread()); });
  ASSERT_TRUE(runtime.Start().ok());
  ASSERT_EQ(future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_TRUE(future.get());
  EXPECT_FALSE(runtime.Start().ok());  // twice
  runtime.Stop();
  runtime.Stop();                      // idempotent
  EXPECT_FALSE(runtime.Start().ok());  // after Stop
}

TEST(IoRuntimeTest, StopWithoutStart) {
  IoRuntime runtime;
  runtime.Stop();
}

http::Router HelloRouter(std::string name) {
  http::Router r;
  r.Add("GET", "/", "hello", [name](const http::Request&, http::Reply reply) {
    http::Response res;
    res.body = name;
    reply(std::move(res));
  });
  return r;
}

TEST(IoRuntimeTest, ServersShareOneRuntimeAndStopAlone) {
  IoRuntime runtime(2);
  ASSERT_TRUE(runtime.Start().ok());
  http::ServerOptions options;
  options.listen_address = "127.0.0.1:0";
  auto a = std::make_unique<http::Server>(runtime, options, HelloRouter("a"));
  http::Server b(runtime, options, HelloRouter("b"));
  ASSERT_TRUE(a->Start().ok());
  ASSERT_TRUE(b.Start().ok());
  auto client = HttpClient::Create(runtime, {});
  ASSERT_TRUE(client.ok());
  auto url = [](uint16_t port) { return "http://127.0.0.1:" + std::to_string(port) + "/"; };
  uint16_t a_port = a->port();
  auto r = testing::Fetch(**client, testing::Get(url(a_port)));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->body, "a");

  // Stopping `a` (with a pooled keep-alive connection to it) leaves the runtime and `b` up.
  a->Stop(std::chrono::milliseconds(100));
  a.reset();
  r = testing::Fetch(**client, testing::Get(url(b.port())));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->body, "b");
  r = testing::Fetch(**client, testing::Get(url(a_port)));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("connection refused"), std::string::npos)
      << r.error().message();
  b.Stop(std::chrono::milliseconds(100));
  client->reset();
  runtime.Stop();
}

}  // namespace
}  // namespace tsdbd::net
