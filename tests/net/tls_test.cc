// HttpClient over TLS against `openssl s_server -WWW` with a CA, server and client
// certificates made by the openssl CLI in a temporary directory.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gtest/gtest.h"
#include "lib/net/http_client.h"
#include "lib/net/io_runtime.h"
#include "tests/net/net_test_util.h"
#include "tests/testing/process.h"

namespace tsdbd::net {
namespace {

using tsdbd::testing::ChildProcess;
using tsdbd::testing::TempDir;

bool CanConnect(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!tsdbd::testing::HaveProgram("openssl")) return;
    dir_ = new TempDir();
    const std::string d = dir_->path();
    dir_->WriteFile("san.ext", "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    dir_->WriteFile("metrics", "up 1\n");
    auto run = [](std::vector<std::string> argv) {
      auto r = tsdbd::testing::Run(argv, std::chrono::seconds(60));
      ASSERT_EQ(r.exit_code, 0) << r.output;
    };
    auto key = [&](const std::string& name) {
      run({"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out",
           d + "/" + name + ".key"});
    };
    auto sign = [&](const std::string& name, const std::string& ca, const std::string& cn,
                    bool san) {
      run({"openssl", "req", "-new", "-key", d + "/" + name + ".key", "-subj", "/CN=" + cn, "-out",
           d + "/" + name + ".csr"});
      std::vector<std::string> argv = {"openssl",
                                       "x509",
                                       "-req",
                                       "-in",
                                       d + "/" + name + ".csr",
                                       "-CA",
                                       d + "/" + ca + ".crt",
                                       "-CAkey",
                                       d + "/" + ca + ".key",
                                       "-CAcreateserial",
                                       "-days",
                                       "2",
                                       "-out",
                                       d + "/" + name + ".crt"};
      if (san) {
        argv.push_back("-extfile");
        argv.push_back(d + "/san.ext");
      }
      run(argv);
    };
    for (const char* ca : {"ca", "otherca"}) {
      key(ca);
      run({"openssl", "req", "-x509", "-new", "-key", d + "/" + ca + ".key", "-subj",
           std::string("/CN=") + ca, "-days", "2", "-out", d + "/" + ca + ".crt"});
    }
    key("server");
    sign("server", "ca", "localhost", true);
    key("client");
    sign("client", "ca", "client", false);
    key("stranger");
    sign("stranger", "otherca", "stranger", false);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  void SetUp() override {
    if (dir_ == nullptr) GTEST_SKIP() << "no openssl CLI";
    ASSERT_TRUE(runtime_.Start().ok());
  }
  void TearDown() override {
    server_.reset();
    runtime_.Stop();
  }

  // Starts s_server serving dir_ over HTTPS; `require_client_cert` adds -Verify.
  void StartServer(bool require_client_cert = false) {
    port_ = tsdbd::testing::FreePort();
    std::string cmd =
        "cd '" + dir_->path() +
        "' && exec openssl s_server -quiet -WWW -accept 127.0.0.1:" + std::to_string(port_) +
        " -cert server.crt -key server.key";
    if (require_client_cert) cmd += " -Verify 1 -verify_return_error -CAfile ca.crt";
    server_ = std::make_unique<ChildProcess>(std::vector<std::string>{"sh", "-c", cmd},
                                             dir_->path() + "/s_server.log");
    ASSERT_TRUE(tsdbd::testing::WaitUntil([&] { return CanConnect(port_); }))
        << tsdbd::testing::ReadFile(dir_->path() + "/s_server.log");
  }

  Result<ClientResponse> Get(const config::TlsConfig& tls, const std::string& host = "localhost") {
    config::HttpClientConfig config;
    config.tls_config = tls;
    auto client = HttpClient::Create(runtime_, config);
    if (!client.ok()) return client.error();
    return testing::Fetch(**client, testing::Get(Url(host)));
  }
  std::string Url(const std::string& host = "localhost") const {
    return "https://" + host + ":" + std::to_string(port_) + "/metrics";
  }
  std::string File(const std::string& name) const { return dir_->path() + "/" + name; }

  static TempDir* dir_;
  IoRuntime runtime_{2};
  std::unique_ptr<ChildProcess> server_;
  uint16_t port_ = 0;
};

TempDir* TlsTest::dir_ = nullptr;

TEST_F(TlsTest, TrustedCaIsAccepted) {
  StartServer();
  config::TlsConfig tls;
  tls.ca_file = File("ca.crt");
  auto r = Get(tls);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "up 1\n");
  // By IP address too: the certificate names 127.0.0.1.
  r = Get(tls, "127.0.0.1");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->body, "up 1\n");
}

TEST_F(TlsTest, UnknownCaIsRejected) {
  StartServer();
  auto r = Get({});  // the system's CAs do not know ours
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "Get \"" + Url() + "\": x509: certificate signed by unknown authority");
  config::TlsConfig other;
  other.ca_file = File("otherca.crt");
  r = Get(other);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "Get \"" + Url() + "\": x509: certificate signed by unknown authority");
}

TEST_F(TlsTest, InsecureSkipVerifyAccepts) {
  StartServer();
  config::TlsConfig tls;
  tls.insecure_skip_verify = true;
  auto r = Get(tls);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->body, "up 1\n");
  tls.server_name = "wrong.example";
  r = Get(tls);
  ASSERT_TRUE(r.ok()) << r.error().message();
}

TEST_F(TlsTest, ServerNameMismatchIsRejected) {
  StartServer();
  config::TlsConfig tls;
  tls.ca_file = File("ca.crt");
  tls.server_name = "wrong.example";
  auto r = Get(tls);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "Get \"" + Url() + "\": x509: certificate is valid for localhost, not wrong.example");
  // server_name that the certificate does carry, on a URL that names an IP.
  tls.server_name = "localhost";
  r = Get(tls, "127.0.0.1");
  ASSERT_TRUE(r.ok()) << r.error().message();
}

TEST_F(TlsTest, ClientCertificateIsSentWhenConfigured) {
  StartServer(/*require_client_cert=*/true);
  config::TlsConfig tls;
  tls.ca_file = File("ca.crt");
  auto r = Get(tls);
  ASSERT_FALSE(r.ok()) << "s_server -Verify needs a client certificate";
  EXPECT_NE(r.error().message().find("tls: certificate required"), std::string::npos)
      << r.error().message();

  tls.cert_file = File("stranger.crt");
  tls.key_file = File("stranger.key");
  r = Get(tls);
  ASSERT_FALSE(r.ok()) << "a certificate from another CA";
  EXPECT_NE(r.error().message().find("remote error: tls: "), std::string::npos)
      << r.error().message();

  tls.cert_file = File("client.crt");
  tls.key_file = File("client.key");
  r = Get(tls);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->body, "up 1\n");
}

TEST_F(TlsTest, BadTlsFilesFailCreate) {
  config::HttpClientConfig config;
  config.tls_config.ca_file = File("missing.crt");
  auto client = HttpClient::Create(runtime_, config);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().message(), "unable to load specified CA cert " + File("missing.crt") +
                                          ": open " + File("missing.crt") +
                                          ": no such file or directory");
  config.tls_config = {};
  config.tls_config.cert_file = File("client.crt");
  client = HttpClient::Create(runtime_, config);
  ASSERT_FALSE(client.ok());
  EXPECT_NE(client.error().message().find("specified without client key file"), std::string::npos);
  config.tls_config.key_file = File("server.key");  // not the certificate's key
  EXPECT_FALSE(HttpClient::Create(runtime_, config).ok());
}

TEST_F(TlsTest, PlainHttpToTlsPortAndTlsToPlainPortFail) {
  StartServer();
  auto client = HttpClient::Create(runtime_, {});
  ASSERT_TRUE(client.ok());
  std::string url = "http://127.0.0.1:" + std::to_string(port_) + "/metrics";
  auto r = testing::Fetch(**client, testing::Get(url));
  // s_server answers garbage (or closes) to a plaintext request: an error, never a hang.
  if (r.ok()) {
    EXPECT_NE(r->status, 200);
  }

  testing::ScriptedPeer plain([](int fd, int) {
    testing::ScriptedPeer::Send(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    testing::ScriptedPeer::WaitClosed(fd);
  });
  std::string tls_url = "https://127.0.0.1:" + std::to_string(plain.port()) + "/";
  r = testing::Fetch(**client, testing::Get(tls_url));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "Get \"" + tls_url + "\": tls: first record does not look like a TLS handshake");
}

}  // namespace
}  // namespace tsdbd::net
