// The status endpoints over loopback, against fake sources: until the server is ready every
// one answers 503 "Service Unavailable" but the WAL replay's, whose progress Prometheus 2.42
// serves during the replay.
#include "lib/http/api/status_routes.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>

#include "lib/http/server.h"
#include "tests/testing/http_client.h"

namespace tsdbd::http::api {
namespace {

using tsdbd::testing::Get;

TEST(StatusRoutesTest, TheWalReplayIsServedBeforeTheServerIsReady) {
  auto ready = std::make_shared<std::atomic<bool>>(false);
  Router router;
  ApiRoutes routes(router, ".*", [ready] { return ready->load(); });
  AddStatusRoutes(routes,
                  {
                      .build_info = {{"version", "2.42.0"}},
                      .flags = {},
                      .config_yaml = [] { return std::string(); },
                      .runtime_info = [] { return boost::json::object(); },
                      .tsdb_status = [] { return boost::json::object(); },
                      .wal_replay =
                          [] {
                            return boost::json::object{{"min", 3}, {"max", 7}, {"current", 5}};
                          },
                  });
  ServerOptions options;
  options.listen_address = "127.0.0.1:0";
  Server server(options, std::move(router));
  ASSERT_TRUE(server.Start().ok());

  const char* kReplay = R"({"status":"success","data":{"min":3,"max":7,"current":5}})";
  auto replay = Get(server.port(), "/api/v1/status/walreplay");
  EXPECT_EQ(replay.status, 200);
  EXPECT_EQ(replay.body, kReplay);
  auto build = Get(server.port(), "/api/v1/status/buildinfo");
  EXPECT_EQ(build.status, 503);
  EXPECT_EQ(build.body, "Service Unavailable");

  ready->store(true);
  EXPECT_EQ(Get(server.port(), "/api/v1/status/buildinfo").status, 200);
  replay = Get(server.port(), "/api/v1/status/walreplay");
  EXPECT_EQ(replay.status, 200);
  EXPECT_EQ(replay.body, kReplay);
}

}  // namespace
}  // namespace tsdbd::http::api
