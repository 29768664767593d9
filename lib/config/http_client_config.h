// The HTTP client settings shared by scrape configs, Alertmanager configs and remote
// read/write (Prometheus's common HTTPClientConfig as of 2.42).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tsdbd::config {

struct BasicAuth {
  std::string username;
  std::string password;  // Secret: printed as <secret>.
  std::string password_file;
  bool operator==(const BasicAuth&) const = default;
};

struct Authorization {
  std::string type = "Bearer";
  std::string credentials;  // Secret.
  std::string credentials_file;
  bool operator==(const Authorization&) const = default;
};

// TLS versions are kept as Go's numbers (TLS10 = 0x0301 ... TLS13 = 0x0304); 0 means unset.
struct TlsConfig {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string server_name;
  bool insecure_skip_verify = false;
  uint16_t min_version = 0;
  uint16_t max_version = 0;
  bool IsZero() const { return *this == TlsConfig{}; }
  bool operator==(const TlsConfig&) const = default;
};

// OAuth 2.0 client credentials; parsed and printed, used by whoever makes requests.
struct OAuth2 {
  std::string client_id;
  std::string client_secret;  // Secret.
  std::string client_secret_file;
  std::vector<std::string> scopes;
  std::string token_url;
  std::map<std::string, std::string> endpoint_params;
  std::string proxy_url;
  TlsConfig tls_config;
  bool operator==(const OAuth2&) const = default;
};

struct HttpClientConfig {
  std::optional<BasicAuth> basic_auth;
  // bearer_token / bearer_token_file are folded in here as Prometheus does.
  std::optional<Authorization> authorization;
  std::optional<OAuth2> oauth2;
  std::string proxy_url;
  std::map<std::string, std::vector<std::string>> proxy_connect_header;  // Values secret.
  TlsConfig tls_config;
  bool follow_redirects = true;
  bool enable_http2 = true;
  bool operator==(const HttpClientConfig&) const = default;
};

// Go's name for a TLS version number ("TLS12"), or "" when unknown.
std::string TlsVersionName(uint16_t version);

}  // namespace tsdbd::config
