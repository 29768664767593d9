// The web configuration file (--web.config.file): TLS, HTTP server options and basic-auth
// users, as Prometheus 2.42's exporter-toolkit reads it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/model/result.h"

namespace tsdbd::config {

struct TlsServerConfig {
  std::string cert_file;
  std::string key_file;
  // NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven or
  // RequireAndVerifyClientCert.
  std::string client_auth_type = "NoClientCert";
  std::string client_ca_file;
  std::vector<std::string> cipher_suites;  // Go names, e.g. TLS_AES_128_GCM_SHA256.
  std::vector<std::string> curve_preferences;
  uint16_t min_version = 0x0303;  // TLS12
  uint16_t max_version = 0x0304;  // TLS13
  bool prefer_server_cipher_suites = true;
  std::vector<std::string> client_allowed_sans;
  bool operator==(const TlsServerConfig&) const = default;
};

struct HttpServerConfig {
  bool http2 = true;
  std::map<std::string, std::string> headers;  // Security headers added to every response.
  bool operator==(const HttpServerConfig&) const = default;
};

struct WebConfig {
  std::optional<TlsServerConfig> tls_server_config;  // Set: serve HTTPS.
  HttpServerConfig http_server_config;
  // User name -> bcrypt hash (checked for shape only: "$2a$", "$2b$" or "$2y$", 60 chars).
  std::map<std::string, std::string> basic_auth_users;
  bool operator==(const WebConfig&) const = default;
};

// Parses and validates a web config; errors name file:line:column. Relative cert, key and
// CA paths are joined with `dir` when it is not empty.
Result<WebConfig> ParseWebConfig(std::string_view yaml_text, const std::string& filename,
                                 const std::string& dir = "");

// Reads `path` and parses it; relative paths resolve against the file's directory.
Result<WebConfig> LoadWebConfigFile(const std::string& path);

}  // namespace tsdbd::config
