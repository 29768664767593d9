// The Authorization header that prometheus.yml's basic_auth or authorization asks for.
#pragma once

#include <string>
#include <string_view>

#include "lib/config/http_client_config.h"
#include "lib/model/result.h"

namespace tsdbd::net {

// The header's value ("Basic dXNlcjpwYXNz", "Bearer abc"), "" when neither is configured.
// password_file and credentials_file are read now, their content trimmed of surrounding
// whitespace, as Prometheus does on every request. basic_auth wins over authorization.
// An error, worded as Prometheus's, when a file cannot be read.
Result<std::string> AuthorizationValue(const config::HttpClientConfig& config);

// Standard base64 with padding (RFC 4648 section 4).
std::string Base64(std::string_view data);

}  // namespace tsdbd::net
