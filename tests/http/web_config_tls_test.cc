// --web.config.file tls_server_config: HTTPS with certificates made by the openssl CLI in a
// temporary directory, client certificate policies, version bounds, a plain HTTP client
// on the HTTPS port, and certificates changed while serving. The client is lib/net's.
#include <crypt.h>
#include <gtest/gtest.h>

#include <memory>

#include "lib/http/server.h"
#include "lib/net/http_client.h"
#include "lib/net/io_runtime.h"
#include "tests/http/test_client.h"
#include "tests/net/net_test_util.h"
#include "tests/testing/process.h"

namespace tsdbd::http {
namespace {

using tsdbd::testing::TempDir;

class WebConfigTlsTest : public ::testing::Test {
 protected:
  // One CA for the server and the trusted client, another for a stranger and a second
  // server certificate.
  static void SetUpTestSuite() {
    if (!tsdbd::testing::HaveProgram("openssl")) return;
    certs_ = new TempDir();
    const std::string d = certs_->path() + "/";
    certs_->WriteFile("server.ext", "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    certs_->WriteFile("client.ext", "extendedKeyUsage=clientAuth\n");
    auto openssl = [](std::vector<std::string> args) {
      args.insert(args.begin(), "openssl");
      auto r = tsdbd::testing::Run(args, std::chrono::seconds(60));
      ASSERT_EQ(r.exit_code, 0) << r.output;
    };
    auto new_key = [&](const std::string& name) {
      openssl({"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out",
               d + name + ".key"});
    };
    for (std::string ca : {"ca", "otherca"}) {
      new_key(ca);
      openssl({"req", "-x509", "-new", "-key", d + ca + ".key", "-subj", "/CN=" + ca, "-days", "2",
               "-out", d + ca + ".crt"});
    }
    auto issue = [&](const std::string& name, const std::string& ca, const std::string& ext) {
      new_key(name);
      openssl({"req", "-new", "-key", d + name + ".key", "-subj", "/CN=" + name, "-out",
               d + name + ".csr"});
      openssl({"x509", "-req", "-in", d + name + ".csr", "-CA", d + ca + ".crt", "-CAkey",
               d + ca + ".key", "-CAcreateserial", "-days", "2", "-extfile", d + ext, "-out",
               d + name + ".crt"});
    };
    issue("server", "ca", "server.ext");
    issue("server2", "otherca", "server.ext");
    issue("client", "ca", "client.ext");
    issue("stranger", "otherca", "client.ext");
  }
  static void TearDownTestSuite() {
    delete certs_;
    certs_ = nullptr;
  }

  void SetUp() override {
    if (certs_ == nullptr) GTEST_SKIP() << "no openssl CLI";
    ASSERT_TRUE(runtime_.Start().ok());
  }
  void TearDown() override {
    server_.reset();
    runtime_.Stop();
  }

  static std::string Cert(const std::string& name) { return certs_->path() + "/" + name; }

  // Writes the web config; `extra` adds lines under tls_server_config.
  void WriteConfig(const std::string& extra, const std::string& cert = "server",
                   const std::string& top = "") {
    path_ =
        dir_.WriteFile("web.yml", "tls_server_config:\n  cert_file: " + Cert(cert + ".crt") +
                                      "\n  key_file: " + Cert(cert + ".key") + "\n" + extra + top);
  }

  Status Start() {
    Router router;
    router.Add("GET", "/hello", "/hello", [](const Request&, Reply reply) {
      Response r;
      r.body = "hello\n";
      reply(std::move(r));
    });
    ServerOptions options;
    options.listen_address = "127.0.0.1:0";
    options.threads = 1;
    options.web_config_file = path_;
    server_ = std::make_unique<Server>(options, std::move(router));
    return server_->Start();
  }

  struct Client {
    std::string ca = "ca.crt";
    std::string cert = "";  // "client" -> client.crt and client.key
    uint16_t min_version = 0;
    uint16_t max_version = 0;
    std::optional<config::BasicAuth> basic_auth = std::nullopt;
  };

  Result<net::ClientResponse> Get(const Client& c, const std::string& path = "/hello") {
    config::HttpClientConfig config;
    config.tls_config.ca_file = Cert(c.ca);
    if (!c.cert.empty()) {
      config.tls_config.cert_file = Cert(c.cert + ".crt");
      config.tls_config.key_file = Cert(c.cert + ".key");
    }
    config.tls_config.min_version = c.min_version;
    config.tls_config.max_version = c.max_version;
    config.basic_auth = c.basic_auth;
    auto client = net::HttpClient::Create(runtime_, config);
    if (!client.ok()) return client.error();
    return net::testing::Fetch(
        **client, net::testing::Get("https://localhost:" + std::to_string(server_->port()) + path));
  }

  // Whether a GET with `c` answers 200 "hello\n".
  bool Served(const Client& c) {
    auto r = Get(c);
    return r.ok() && r->status == 200 && r->body == "hello\n";
  }

  static TempDir* certs_;
  TempDir dir_;
  std::string path_;
  net::IoRuntime runtime_{1};
  std::unique_ptr<Server> server_;
};

TempDir* WebConfigTlsTest::certs_ = nullptr;

TEST_F(WebConfigTlsTest, ServesHttps) {
  WriteConfig("");
  ASSERT_TRUE(Start().ok());
  auto r = Get({});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello\n");
  auto missing = Get({}, "/nothing");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
  // A client that trusts another CA refuses the server.
  EXPECT_FALSE(Get({.ca = "otherca.crt"}).ok());
}

TEST_F(WebConfigTlsTest, PlainHttpClientIsToldOff) {
  WriteConfig("");
  ASSERT_TRUE(Start().ok());
  auto r = testing::Fetch(server_->port(), testing::Get("/hello"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->body, "Client sent an HTTP request to an HTTPS server.\n");
  // Bytes that are neither TLS nor HTTP: closed without an answer.
  testing::TestConnection c(server_->port());
  ASSERT_TRUE(c.Send(std::string("\x01\x02\x03\x04", 4)));
  EXPECT_TRUE(c.WaitClosed(std::chrono::seconds(10)));
  // A broken handshake record: closed too, and the server serves on.
  testing::TestConnection c2(server_->port());
  ASSERT_TRUE(c2.Send(std::string("\x16\x03\x01\x00\x05garbage-garbage", 20)));
  EXPECT_TRUE(c2.WaitClosed(std::chrono::seconds(10)));
  EXPECT_TRUE(Served({}));
}

TEST_F(WebConfigTlsTest, VersionBounds) {
  WriteConfig("  min_version: TLS13\n");
  ASSERT_TRUE(Start().ok());
  EXPECT_TRUE(Served({}));
  EXPECT_FALSE(Served({.max_version = 0x0303}));
  server_.reset();

  WriteConfig("  max_version: TLS12\n");
  ASSERT_TRUE(Start().ok());
  EXPECT_TRUE(Served({}));
  EXPECT_TRUE(Served({.max_version = 0x0303}));
  EXPECT_FALSE(Served({.min_version = 0x0304}));
}

TEST_F(WebConfigTlsTest, CipherSuitesBoundTls12) {
  // The certificates are ECDSA: an RSA-only suite leaves TLS 1.2 nothing to agree on.
  WriteConfig("  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]\n");
  ASSERT_TRUE(Start().ok());
  EXPECT_FALSE(Served({.max_version = 0x0303}));
  EXPECT_TRUE(Served({}));  // TLS 1.3 suites are not configurable, as in Go
  server_.reset();
  WriteConfig("  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]\n");
  ASSERT_TRUE(Start().ok());
  EXPECT_TRUE(Served({.max_version = 0x0303}));
  server_.reset();
  WriteConfig("  cipher_suites: [TLS_NO_SUCH_SUITE]\n");
  Status st = Start();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("TLS_NO_SUCH_SUITE"), std::string::npos) << st.message();
}

TEST_F(WebConfigTlsTest, ClientAuthPolicies) {
  struct Case {
    std::string policy;
    bool with_ca;
    bool none, trusted, stranger;  // served without a certificate, with ours, with another's
  };
  const Case cases[] = {
      {"NoClientCert", false, true, true, true},
      {"RequestClientCert", false, true, true, true},
      {"RequireAnyClientCert", false, false, true, true},
      {"VerifyClientCertIfGiven", true, true, true, false},
      {"RequireAndVerifyClientCert", true, false, true, false},
  };
  for (const Case& c : cases) {
    for (uint16_t version : {uint16_t{0x0303}, uint16_t{0x0304}}) {
      SCOPED_TRACE(c.policy + " TLS " + std::to_string(version));
      WriteConfig("  client_auth_type: " + c.policy + "\n" +
                  (c.with_ca ? "  client_ca_file: " + Cert("ca.crt") + "\n" : ""));
      ASSERT_TRUE(Start().ok());
      EXPECT_EQ(Served({.max_version = version}), c.none);
      EXPECT_EQ(Served({.cert = "client", .max_version = version}), c.trusted);
      EXPECT_EQ(Served({.cert = "stranger", .max_version = version}), c.stranger);
      server_.reset();
    }
  }
}

config::BasicAuth Alice(const std::string& password) {
  config::BasicAuth auth;
  auth.username = "alice";
  auth.password = password;
  return auth;
}

TEST_F(WebConfigTlsTest, BasicAuthOverTls) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  ASSERT_NE(crypt_gensalt_rn("$2y$", 4, nullptr, 0, salt, sizeof salt), nullptr);
  auto data = std::make_unique<crypt_data>();
  std::string hash = crypt_r("pw", salt, data.get());
  WriteConfig("", "server", "basic_auth_users:\n  alice: " + hash + "\n");
  ASSERT_TRUE(Start().ok());
  auto r = Get({});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 401);
  EXPECT_TRUE(Served({.basic_auth = Alice("pw")}));
  EXPECT_FALSE(Served({.basic_auth = Alice("x")}));
}

TEST_F(WebConfigTlsTest, ChangedCertificateAppliesToNewConnections) {
  WriteConfig("");
  ASSERT_TRUE(Start().ok());
  EXPECT_TRUE(Served({}));
  EXPECT_FALSE(Served({.ca = "otherca.crt"}));
  WriteConfig("", "server2");
  EXPECT_TRUE(Served({.ca = "otherca.crt"}));
  EXPECT_FALSE(Served({}));
  // A broken config: new handshakes fail, and work again once it is fixed.
  WriteConfig("  client_auth_type: Bogus\n", "server2");
  EXPECT_FALSE(Served({.ca = "otherca.crt"}));
  WriteConfig("");
  EXPECT_TRUE(Served({}));
}

TEST_F(WebConfigTlsTest, BadTlsFilesRefuseToStart) {
  const std::string mismatched = "tls_server_config:\n  cert_file: " + Cert("server.crt") +
                                 "\n  key_file: " + Cert("client.key") + "\n";
  const std::string not_pem = "tls_server_config:\n  cert_file: " + Cert("server.ext") +
                              "\n  key_file: " + Cert("server.key") + "\n";
  const std::string bad_ca = "tls_server_config:\n  cert_file: " + Cert("server.crt") +
                             "\n  key_file: " + Cert("server.key") +
                             "\n  client_auth_type: RequireAndVerifyClientCert\n"
                             "  client_ca_file: " +
                             Cert("missing-ca.crt") + "\n";
  for (const std::string& yaml : {mismatched, not_pem, bad_ca}) {
    path_ = dir_.WriteFile("web.yml", yaml);
    Status st = Start();
    ASSERT_FALSE(st.ok()) << yaml;
    EXPECT_NE(st.message().find(path_), std::string::npos) << st.message();
    server_.reset();
  }
}

}  // namespace
}  // namespace tsdbd::http
