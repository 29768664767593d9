#include "lib/http/listen_address.h"

#include <gtest/gtest.h>

namespace tsdbd::http {
namespace {

TEST(ParseListenAddressTest, Forms) {
  auto a = ParseListenAddress("0.0.0.0:9090");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "0.0.0.0");
  EXPECT_EQ(a->port, 9090);
  a = ParseListenAddress("[::]:9090");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "::");
  a = ParseListenAddress(":0");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "");
  EXPECT_EQ(a->port, 0);
  a = ParseListenAddress("localhost:65535");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->port, 65535);
}

TEST(ParseListenAddressTest, Errors) {
  for (const char* bad : {"9090", "localhost", "host:", "host:http", "host:65536", "::1:9090",
                          "[::1:9090", "a]:1", "host:-1", "host:123456"}) {
    auto a = ParseListenAddress(bad);
    EXPECT_FALSE(a.ok()) << bad;
    if (!a.ok()) {
      EXPECT_NE(a.error().message().find(bad), std::string::npos) << a.error().message();
    }
  }
}

}  // namespace
}  // namespace tsdbd::http
