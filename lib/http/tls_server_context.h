// The OpenSSL server context for a web config's tls_server_config. Private to lib/http
// (names Asio's ssl::context).
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>

#include "lib/config/web_config.h"
#include "lib/model/result.h"

namespace tsdbd::http {

// Loads the certificate chain and key (which must match), the client CAs, the version
// bounds and the client_auth_type policy:
//   NoClientCert                no certificate asked for
//   RequestClientCert           asked for, not required, not verified
//   RequireAnyClientCert        required, not verified
//   VerifyClientCertIfGiven     asked for, verified if sent
//   RequireAndVerifyClientCert  required and verified
// (verified against client_ca_file, else the system's roots). cipher_suites applies to
// TLS 1.2 and below (Go names; an unknown name is an error); curve_preferences and
// client_allowed_sans are not supported yet and are only logged. An error naming the file
// when a file cannot be loaded.
Result<std::shared_ptr<boost::asio::ssl::context>> MakeServerTlsContext(
    const config::TlsServerConfig& tls);

}  // namespace tsdbd::http
