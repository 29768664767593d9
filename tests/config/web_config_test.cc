// ParseWebConfig / LoadWebConfigFile.
#include "lib/config/web_config.h"

#include <gtest/gtest.h>

#include "tests/testing/process.h"

namespace tsdbd::config {
namespace {

const char* kHash = "$2y$10$X0h1YQhC0gP0xJ0aE0e0NuJdQvYQY0mX2N6hL5m0cA8xJZsQ7eG1a";

TEST(WebConfig, EmptyMeansPlainHttp) {
  auto w = ParseWebConfig("", "web.yml");
  ASSERT_TRUE(w.ok()) << w.error().message();
  EXPECT_FALSE(w->tls_server_config);
  EXPECT_TRUE(w->http_server_config.http2);
  EXPECT_TRUE(w->basic_auth_users.empty());
}

TEST(WebConfig, FullFileLoadsWithRelativePathsResolved) {
  testing::TempDir dir;
  std::string path = dir.WriteFile("web.yml", std::string(R"(tls_server_config:
  cert_file: server.crt
  key_file: /abs/server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: ca.crt
  min_version: TLS13
  cipher_suites: [TLS_AES_128_GCM_SHA256]
http_server_config:
  http2: false
  headers:
    X-Frame-Options: deny
basic_auth_users:
  alice: ')") + kHash + "'\n");
  auto w = LoadWebConfigFile(path);
  ASSERT_TRUE(w.ok()) << w.error().message();
  ASSERT_TRUE(w->tls_server_config);
  EXPECT_EQ(w->tls_server_config->cert_file, dir.path() + "/server.crt");
  EXPECT_EQ(w->tls_server_config->key_file, "/abs/server.key");
  EXPECT_EQ(w->tls_server_config->client_ca_file, dir.path() + "/ca.crt");
  EXPECT_EQ(w->tls_server_config->min_version, 0x0304);
  EXPECT_EQ(w->tls_server_config->client_auth_type, "RequireAndVerifyClientCert");
  EXPECT_FALSE(w->http_server_config.http2);
  EXPECT_EQ(w->http_server_config.headers.at("X-Frame-Options"), "deny");
  EXPECT_EQ(w->basic_auth_users.at("alice"), kHash);
}

TEST(WebConfig, Errors) {
  auto err = [](const std::string& yaml) {
    auto w = ParseWebConfig(yaml, "web.yml");
    return w.ok() ? std::string("<accepted>") : w.error().message();
  };
  EXPECT_EQ(err("tls_server_config:\n  cert_file: a\n"), "web.yml:2:3: missing key_file");
  EXPECT_EQ(err("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: Maybe\n"),
            "web.yml:4:21: Invalid ClientAuth: Maybe");
  EXPECT_EQ(err("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_ca_file: c\n"),
            "web.yml:2:3: Client CA's have been configured without a Client Auth Policy");
  EXPECT_EQ(err("tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS9\n"),
            "web.yml:4:16: unknown TLS version: TLS9");
  EXPECT_EQ(err("basic_auth_users:\n  bob: plaintext\n"),
            "web.yml:2:8: basic auth password of user \"bob\" is not a bcrypt hash");
  EXPECT_EQ(err("http_server_config:\n  headers: {Server: x}\n"),
            "web.yml:2:13: HTTP header \"Server\" can not be configured");
  EXPECT_EQ(err("tls_config: {}\n"), "web.yml:1:1: field tls_config not found in web config");
  EXPECT_FALSE(LoadWebConfigFile("/nonexistent/web.yml").ok());
}

}  // namespace
}  // namespace tsdbd::config
