// Private to lib/net: TLS for the HTTP client from prometheus.yml's tls_config. Includes
// Asio's SSL headers, so only lib/net's .cc files include it.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "lib/config/http_client_config.h"
#include "lib/model/result.h"

namespace tsdbd::net {

// A client context: the CA file's certificates (or the system's), the client certificate
// and key, the minimum and maximum versions (TLS 1.2 at least unless min_version says
// otherwise, as Go's client). Errors worded as Prometheus's.
Result<std::shared_ptr<boost::asio::ssl::context>> MakeClientTlsContext(
    const config::TlsConfig& tls);

// Prepares a new connection's SSL object for `host` (the URL's host, without brackets):
// SNI (server_name, else host unless it is an IP address) and, unless insecure_skip_verify,
// the name or IP address the certificate must carry.
Status PrepareTlsConnection(SSL* ssl, const config::TlsConfig& tls, const std::string& host);

// Go's words for a failed handshake on `ssl` ("x509: certificate signed by unknown
// authority", "x509: certificate is valid for localhost, not example.org", ...).
std::string HandshakeErrorText(SSL* ssl, const boost::system::error_code& ec,
                               const config::TlsConfig& tls, const std::string& host);

// Go's words for a TLS error after the handshake (an alert the server sends once it has
// judged our certificate, as TLS 1.3 servers do): "remote error: tls: certificate required".
std::string TlsErrorText(const boost::system::error_code& ec);

}  // namespace tsdbd::net
