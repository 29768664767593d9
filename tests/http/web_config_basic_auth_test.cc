// --web.config.file basic_auth_users and http_server_config headers, over real loopback
// connections; bcrypt hashes are made here with libcrypt.
#include <crypt.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "lib/http/basic_auth.h"
#include "lib/http/dispatch.h"
#include "lib/http/server.h"
#include "tests/http/test_client.h"
#include "tests/testing/process.h"

namespace tsdbd::http {
namespace {

using testing::Fetch;
using testing::Get;
using tsdbd::testing::TempDir;

// A bcrypt hash of `password` with `prefix` ("$2b$", "$2a$" or "$2y$") at cost 4.
std::string Bcrypt(const std::string& password, const std::string& prefix = "$2b$") {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  EXPECT_NE(crypt_gensalt_rn("$2b$", 4, nullptr, 0, salt, sizeof salt), nullptr);
  auto data = std::make_unique<crypt_data>();
  const char* out = crypt_r(password.c_str(), salt, data.get());
  EXPECT_NE(out, nullptr);
  std::string hash = out;
  EXPECT_EQ(hash.size(), 60u) << hash;
  return prefix + hash.substr(4);  // the three prefixes hash ASCII passwords alike
}

std::string Base64(const std::string& in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t n = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<unsigned char>(in[i + 1]) << 8;
    if (i + 2 < in.size()) n |= static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

std::string AuthHeader(const std::string& user, const std::string& password) {
  return "Authorization: Basic " + Base64(user + ":" + password) + "\r\n";
}

TEST(BasicAuthTest, ParsesAuthorizationHeaders) {
  auto c = ParseBasicAuthorization("Basic " + Base64("alice:s3:cret"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->user, "alice");
  EXPECT_EQ(c->password, "s3:cret");  // only the first ':' separates
  EXPECT_TRUE(ParseBasicAuthorization("bAsIc " + Base64("a:b")));
  EXPECT_TRUE(ParseBasicAuthorization("Basic " + Base64(":")));
  EXPECT_FALSE(ParseBasicAuthorization("Basic " + Base64("nocolon")));
  EXPECT_FALSE(ParseBasicAuthorization("Bearer " + Base64("a:b")));
  EXPECT_FALSE(ParseBasicAuthorization("Basic"));
  EXPECT_FALSE(ParseBasicAuthorization("Basic !!!!"));
  EXPECT_FALSE(ParseBasicAuthorization("Basic YTpi="));  // bad length
  EXPECT_FALSE(ParseBasicAuthorization("Basic Y=pi"));   // padding inside
  EXPECT_FALSE(ParseBasicAuthorization("Basic  YTpi"));  // two spaces
  EXPECT_FALSE(ParseBasicAuthorization("BasicYTpi"));
}

TEST(BasicAuthTest, BcryptVariantsMatch) {
  for (const char* prefix : {"$2a$", "$2b$", "$2y$"}) {
    std::string hash = Bcrypt("hunter2", prefix);
    EXPECT_TRUE(BcryptMatches("hunter2", hash)) << hash;
    EXPECT_FALSE(BcryptMatches("hunter3", hash)) << hash;
    EXPECT_FALSE(BcryptMatches("", hash)) << hash;
  }
  // A hash made elsewhere (htpasswd -nB, published with its password "key1").
  EXPECT_TRUE(
      BcryptMatches("key1", "$2y$05$j0wkwHcoF8LUkm4crmVEruzsGJpT/VpoUJZWc3A7YQi7XPzG2C0li"));
  EXPECT_FALSE(
      BcryptMatches("key2", "$2y$05$j0wkwHcoF8LUkm4crmVEruzsGJpT/VpoUJZWc3A7YQi7XPzG2C0li"));
  EXPECT_FALSE(BcryptMatches("password", "$2y$10$short"));
  EXPECT_FALSE(BcryptMatches("password", "not a hash at all, sixty characters long, truly!!"));
  std::string hash = Bcrypt("a");
  EXPECT_FALSE(BcryptMatches(std::string("a\0b", 3), hash));
}

TEST(BasicAuthTest, AuthenticatorCachesOutcomesBounded) {
  std::map<std::string, std::string> users = {{"alice", Bcrypt("pw")}};
  BasicAuthenticator auth(3);
  std::string good = "Basic " + Base64("alice:pw");
  EXPECT_TRUE(auth.Allows(users, &good));
  EXPECT_EQ(auth.cached(), 1u);
  EXPECT_TRUE(auth.Allows(users, &good));  // from the cache
  EXPECT_EQ(auth.cached(), 1u);
  for (int i = 0; i < 10; ++i) {
    std::string bad = "Basic " + Base64("alice:wrong" + std::to_string(i));
    EXPECT_FALSE(auth.Allows(users, &bad));
    EXPECT_LE(auth.cached(), 3u);
  }
  // A cached success never lets another password, user or hash through.
  std::string unknown = "Basic " + Base64("bob:pw");
  EXPECT_FALSE(auth.Allows(users, &unknown));
  EXPECT_TRUE(auth.Allows(users, &good));
  users["alice"] = Bcrypt("other");
  EXPECT_FALSE(auth.Allows(users, &good));
  EXPECT_FALSE(auth.Allows(users, nullptr));
}

class WebConfigBasicAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    alice_hash_ = Bcrypt("alice-pw", "$2y$");
    WriteConfig("basic_auth_users:\n  alice: " + alice_hash_ + "\n");
  }

  void WriteConfig(const std::string& yaml) { path_ = dir_.WriteFile("web.yml", yaml); }

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

  std::optional<testing::ParsedResponse> Send(const std::string& target,
                                              const std::string& extra = "") {
    return Fetch(server_->port(), Get(target, extra));
  }

  static void ExpectUnauthorized(const std::optional<testing::ParsedResponse>& r) {
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401);
    EXPECT_EQ(r->HeaderOr("WWW-Authenticate"), "Basic");
    EXPECT_EQ(r->body, "Unauthorized\n");
    EXPECT_EQ(r->HeaderOr("Content-Type"), "text/plain; charset=utf-8");
  }

  TempDir dir_;
  std::string path_;
  std::string alice_hash_;
  std::unique_ptr<Server> server_;
};

TEST_F(WebConfigBasicAuthTest, RightCredentialsPass) {
  ASSERT_TRUE(Start().ok());
  auto r = Send("/hello", AuthHeader("alice", "alice-pw"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello\n");
  // Again on the same terms (the cached verdict).
  r = Send("/hello", AuthHeader("alice", "alice-pw"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(WebConfigBasicAuthTest, WrongPasswordUnknownUserMissingOrMalformedHeaderAreRefused) {
  ASSERT_TRUE(Start().ok());
  ExpectUnauthorized(Send("/hello", AuthHeader("alice", "wrong")));
  ExpectUnauthorized(Send("/hello", AuthHeader("alice", "")));
  ExpectUnauthorized(Send("/hello", AuthHeader("mallory", "alice-pw")));
  ExpectUnauthorized(Send("/hello"));
  ExpectUnauthorized(Send("/hello", "Authorization: Basic !!!notbase64\r\n"));
  ExpectUnauthorized(Send("/hello", "Authorization: Bearer abc\r\n"));
  ExpectUnauthorized(Send("/hello", "Authorization: Basic " + Base64("alice-no-colon") + "\r\n"));
  // The wrong password was not remembered as right.
  auto r = Send("/hello", AuthHeader("alice", "alice-pw"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(WebConfigBasicAuthTest, EveryPathNeedsCredentialsEvenNotFound) {
  ASSERT_TRUE(Start().ok());
  ExpectUnauthorized(Send("/no/such/page"));
  ExpectUnauthorized(Send("/"));
  auto r = Send("/no/such/page", AuthHeader("alice", "alice-pw"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
}

TEST_F(WebConfigBasicAuthTest, KeepAliveConnectionChecksEachRequest) {
  ASSERT_TRUE(Start().ok());
  testing::TestConnection c(server_->port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(
      c.Send("GET /hello HTTP/1.1\r\nHost: t\r\n" + AuthHeader("alice", "alice-pw") + "\r\n"));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  ASSERT_TRUE(
      c.Send("GET /hello HTTP/1.1\r\nHost: t\r\n" + AuthHeader("alice", "alice-pw") + "\r\n"));
  r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(WebConfigBasicAuthTest, ConcurrentUncachedChecksAllAnswer) {
  std::string yaml = "basic_auth_users:\n";
  for (int u = 0; u < 4; ++u) {
    yaml += "  user" + std::to_string(u) + ": " + Bcrypt("pw" + std::to_string(u)) + "\n";
  }
  WriteConfig(yaml);
  ASSERT_TRUE(Start().ok());
  std::vector<std::thread> clients;
  std::atomic<int> ok{0}, refused{0};
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&, t] {
      const std::string user = "user" + std::to_string(t % 4);
      // Half the clients know their password, half do not.
      const std::string password = t < 4 ? "pw" + std::to_string(t % 4) : "nope";
      auto r = Send("/hello", AuthHeader(user, password));
      if (r && r->status == 200) ++ok;
      if (r && r->status == 401) ++refused;
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(ok.load(), 4);
  EXPECT_EQ(refused.load(), 4);
}

TEST_F(WebConfigBasicAuthTest, ChangedUsersApplyToNewRequests) {
  ASSERT_TRUE(Start().ok());
  ExpectUnauthorized(Send("/hello", AuthHeader("bob", "bob-pw")));
  WriteConfig("basic_auth_users:\n  bob: " + Bcrypt("bob-pw") + "\n");
  auto r = Send("/hello", AuthHeader("bob", "bob-pw"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  ExpectUnauthorized(Send("/hello", AuthHeader("alice", "alice-pw")));
  // No users any more: open to all.
  WriteConfig("http_server_config:\n  headers:\n    X-Frame-Options: deny\n");
  r = Send("/hello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->HeaderOr("X-Frame-Options"), "deny");
}

TEST_F(WebConfigBasicAuthTest, BrokenFileAfterStartAnswers500UntilFixed) {
  ASSERT_TRUE(Start().ok());
  WriteConfig("basic_auth_users: [not, a, map\n");
  auto r = Send("/hello", AuthHeader("alice", "alice-pw"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body, "Internal Server Error\n");
  WriteConfig("basic_auth_users:\n  alice: " + alice_hash_ + "\n");
  r = Send("/hello", AuthHeader("alice", "alice-pw"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(WebConfigBasicAuthTest, SecurityHeadersOnEveryResponse) {
  WriteConfig("basic_auth_users:\n  alice: " + alice_hash_ +
              "\nhttp_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\n"
              "    Strict-Transport-Security: max-age=31536000\n");
  ASSERT_TRUE(Start().ok());
  auto r = Send("/hello");
  ExpectUnauthorized(r);
  EXPECT_EQ(r->HeaderOr("Strict-Transport-Security"), "max-age=31536000");
  r = Send("/hello", AuthHeader("alice", "alice-pw"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->HeaderOr("Strict-Transport-Security"), "max-age=31536000");
  EXPECT_EQ(r->HeaderOr("X-Content-Type-Options"), "nosniff");
}

TEST_F(WebConfigBasicAuthTest, BadFileRefusesToStartNamingIt) {
  for (const std::string& yaml :
       {std::string("basic_auth_users:\n  alice: plaintext\n"), std::string("nonsense: 1\n"),
        std::string("tls_server_config:\n  cert_file: missing.crt\n  key_file: missing.key\n")}) {
    WriteConfig(yaml);
    Status st = Start();
    ASSERT_FALSE(st.ok()) << yaml;
    EXPECT_NE(st.message().find(path_), std::string::npos) << st.message();
    server_.reset();
  }
  path_ = dir_.path() + "/absent.yml";
  Status st = Start();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find(path_), std::string::npos) << st.message();
}

}  // namespace
}  // namespace tsdbd::http
