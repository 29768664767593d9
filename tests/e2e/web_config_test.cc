// The real tsdbd binary with --web.config.file: basic auth and TLS queried with curl, and
// `promtool check web-config` agreeing with tsdbd on which web config files are valid.
#include <gtest/gtest.h>

#include <thread>

#include "tests/testing/process.h"
#include "tests/testing/tsdbd_process.h"

namespace tsdbd {
namespace {

using testing::TempDir;
using testing::TsdbdProcess;
using namespace std::chrono_literals;

constexpr char kConfig[] = "global:\n  scrape_interval: 15s\n";

// A bcrypt hash made by htpasswd -nB and published with its password, "key1".
constexpr char kHash[] = "$2y$05$j0wkwHcoF8LUkm4crmVEruzsGJpT/VpoUJZWc3A7YQi7XPzG2C0li";

struct CurlResult {
  int status = 0;  // 0: no HTTP answer
  std::string body;
  std::string output;  // everything curl said
};

// `curl` with `args` then `url`: the status and body of the answer.
CurlResult Curl(std::vector<std::string> args, const std::string& url) {
  std::vector<std::string> argv = {"curl", "-sS", "--max-time", "10", "-w", "\n%{http_code}"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back(url);
  auto r = testing::Run(argv, 30s);
  CurlResult out;
  out.output = r.output;
  size_t nl = r.output.rfind('\n');
  if (nl == std::string::npos) return out;
  out.body = r.output.substr(0, nl);
  try {
    out.status = std::stoi(r.output.substr(nl + 1));
  } catch (...) {
    out.status = 0;
  }
  return out;
}

class WebConfigE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::HaveProgram("curl") || !testing::HaveProgram("openssl")) {
      GTEST_SKIP() << "needs curl and openssl";
    }
    config_ = dir_.WriteFile("prometheus.yml", kConfig);
    // A self-signed certificate for localhost, its own CA.
    auto r = testing::Run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                           "ec_paramgen_curve:P-256", "-nodes", "-keyout", Path("tls.key"), "-out",
                           Path("tls.crt"), "-subj", "/CN=localhost", "-days", "2", "-addext",
                           "subjectAltName=DNS:localhost,IP:127.0.0.1"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }

  std::string Path(const std::string& name) const { return dir_.path() + "/" + name; }

  std::unique_ptr<TsdbdProcess> Start(const std::string& web_config) {
    return std::make_unique<TsdbdProcess>(
        TSDBD_BINARY, config_, std::vector<std::string>{"--web.config.file=" + web_config});
  }

  TempDir dir_;
  std::string config_;
};

TEST_F(WebConfigE2eTest, BasicAuthOverTlsWithCurl) {
  std::string web = dir_.WriteFile("web.yml",
                                   "tls_server_config:\n  cert_file: tls.crt\n"
                                   "  key_file: tls.key\n"
                                   "basic_auth_users:\n  alice: " +
                                       std::string(kHash) + "\n");
  auto p = Start(web);
  const std::string base = "https://localhost:" + std::to_string(p->port());
  const std::vector<std::string> trust = {"--cacert", Path("tls.crt")};
  auto with = [&](std::vector<std::string> extra) {
    extra.insert(extra.begin(), trust.begin(), trust.end());
    return extra;
  };
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        return Curl(with({"-u", "alice:key1"}), base + "/-/ready").status == 200;
      },
      60s))
      << p->log();

  auto healthy = Curl(with({"-u", "alice:key1"}), base + "/-/healthy");
  EXPECT_EQ(healthy.status, 200) << healthy.output;
  auto info = Curl(with({"-u", "alice:key1"}), base + "/api/v1/status/buildinfo");
  EXPECT_EQ(info.status, 200) << info.output;
  EXPECT_NE(info.body.find("\"status\":\"success\""), std::string::npos) << info.body;

  auto anonymous = Curl(with({"-i"}), base + "/-/healthy");
  EXPECT_EQ(anonymous.status, 401) << anonymous.output;
  EXPECT_NE(anonymous.body.find("WWW-Authenticate: Basic"), std::string::npos) << anonymous.body;
  EXPECT_NE(anonymous.body.find("\r\n\r\nUnauthorized\n"), std::string::npos) << anonymous.body;
  EXPECT_EQ(Curl(with({"-u", "alice:wrong"}), base + "/-/healthy").status, 401);
  EXPECT_EQ(Curl(with({"-u", "bob:key1"}), base + "/api/v1/status/buildinfo").status, 401);
  EXPECT_EQ(Curl(with({"-u", "alice:key1"}), base + "/no/such/page").status, 404);

  // Not trusted: curl refuses the certificate. Plain HTTP: Go's 400.
  EXPECT_EQ(Curl({"-u", "alice:key1"}, base + "/-/healthy").status, 0);
  auto plain = Curl({}, "http://127.0.0.1:" + std::to_string(p->port()) + "/-/healthy");
  EXPECT_EQ(plain.status, 400) << plain.output;
  EXPECT_EQ(plain.body, "Client sent an HTTP request to an HTTPS server.\n");

  // A user added to the file can log in at once, without a restart.
  dir_.WriteFile("web.yml",
                 "tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n"
                 "basic_auth_users:\n  bob: " +
                     std::string(kHash) + "\n");
  EXPECT_EQ(Curl(with({"-u", "bob:key1"}), base + "/-/healthy").status, 200);
  EXPECT_EQ(Curl(with({"-u", "alice:key1"}), base + "/-/healthy").status, 401);
}

TEST_F(WebConfigE2eTest, BadWebConfigRefusesToStart) {
  std::string web = dir_.WriteFile("web.yml", "basic_auth_users:\n  alice: plaintext\n");
  auto p = Start(web);
  auto code = p->process().Wait(60s);
  ASSERT_TRUE(code.has_value()) << "still running: " << p->log();
  EXPECT_NE(*code, 0);
  EXPECT_NE(p->log().find(web), std::string::npos) << p->log();
}

// Whether tsdbd starts with `web_config`: it either serves (the port accepts) or exits.
bool TsdbdAccepts(const std::string& config, const std::string& web_config) {
  TsdbdProcess p(TSDBD_BINARY, config, {"--web.config.file=" + web_config});
  bool serving = false, exited = false;
  testing::WaitUntil(
      [&] {
        if (p.process().Wait(0ms).has_value()) {
          exited = true;
          return true;
        }
        // Any answer (HTTP or not) from the port: the listener is up.
        auto r = testing::Run({"curl", "-s", "-o", "/dev/null", "--max-time", "2", "-k",
                               "https://127.0.0.1:" + std::to_string(p.port()) + "/"},
                              10s);
        // 7: connection refused (not listening yet); anything else reached a listener.
        serving = r.exit_code != 7 && r.exit_code != -1;
        return serving;
      },
      60s);
  EXPECT_TRUE(serving || exited) << p.log();
  return serving && !exited;
}

TEST_F(WebConfigE2eTest, PromtoolCheckWebConfigAgrees) {
  if (!testing::HaveProgram("promtool")) GTEST_SKIP() << "no promtool";
  // A second key that does not match the certificate.
  auto k = testing::Run({"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                         "ec_paramgen_curve:P-256", "-out", Path("other.key")});
  ASSERT_EQ(k.exit_code, 0) << k.output;
  const std::string tls = "tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n";
  const std::vector<std::pair<std::string, std::string>> files = {
      {"empty", ""},
      {"users", "basic_auth_users:\n  alice: " + std::string(kHash) + "\n"},
      {"tls", tls},
      {"tls_client_auth", tls + "  client_auth_type: RequireAndVerifyClientCert\n"
                                "  client_ca_file: tls.crt\n"},
      {"headers", "http_server_config:\n  headers:\n    X-Frame-Options: deny\n"},
      {"unknown_field", "basic_auth_user:\n  alice: x\n"},
      {"plain_password", "basic_auth_users:\n  alice: key1\n"},
      {"missing_key", "tls_server_config:\n  cert_file: tls.crt\n"},
      {"missing_key_file", "tls_server_config:\n  cert_file: tls.crt\n  key_file: nope.key\n"},
      {"mismatched_key", "tls_server_config:\n  cert_file: tls.crt\n  key_file: other.key\n"},
      {"ca_without_policy", tls + "  client_ca_file: tls.crt\n"},
      {"bad_policy", tls + "  client_auth_type: Sometimes\n"},
      {"cipher", tls + "  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]\n"},
      {"unknown_cipher", tls + "  cipher_suites: [TLS_NO_SUCH_SUITE]\n"},
      {"bad_header", "http_server_config:\n  headers:\n    X-Custom: 1\n"},
  };
  for (const auto& [name, yaml] : files) {
    SCOPED_TRACE(name);
    std::string path = dir_.WriteFile(name + ".yml", yaml);
    auto promtool = testing::Run({"promtool", "check", "web-config", path});
    bool promtool_ok = promtool.exit_code == 0;
    EXPECT_EQ(TsdbdAccepts(config_, path), promtool_ok) << promtool.output;
  }
  // The one known difference: min_version above max_version. promtool accepts it and
  // Prometheus starts, then fails every handshake ("client offered only unsupported
  // versions"); lib/config refuses it up front.
  std::string path =
      dir_.WriteFile("min_above_max.yml", tls + "  min_version: TLS13\n  max_version: TLS12\n");
  EXPECT_EQ(testing::Run({"promtool", "check", "web-config", path}).exit_code, 0);
  EXPECT_FALSE(TsdbdAccepts(config_, path));
}

}  // namespace
}  // namespace tsdbd
