#include "lib/http/tls_server_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <map>

namespace tsdbd::http {
namespace ssl = boost::asio::ssl;
namespace {

// The reason OpenSSL gave last, or `fallback`; clears OpenSSL's error queue.
std::string OpenSslError(const std::string& fallback) {
  unsigned long code = ERR_get_error();
  std::string text = fallback;
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    text = buf;
  }
  ERR_clear_error();
  return text;
}

// Go's names of the TLS 1.2 cipher suites (IANA names) -> OpenSSL's.
const std::map<std::string, std::string>& CipherNames() {
  static const std::map<std::string, std::string> kNames = {
      {"TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA"},
      {"TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA"},
      {"TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256"},
      {"TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384"},
      {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA"},
      {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA"},
      {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA"},
      {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA"},
      {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"},
      {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"},
      {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"},
      {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"},
      {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305"},
      {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"},
  };
  return kNames;
}

bool IsTls13Suite(const std::string& name) {
  return name == "TLS_AES_128_GCM_SHA256" || name == "TLS_AES_256_GCM_SHA384" ||
         name == "TLS_CHACHA20_POLY1305_SHA256";
}

}  // namespace

Result<std::shared_ptr<ssl::context>> MakeServerTlsContext(const config::TlsServerConfig& tls) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(native, tls.cert_file.c_str()) != 1) {
    return Error("failed to load X509KeyPair: cert_file " + tls.cert_file + ": " +
                 OpenSslError("cannot read the certificate"));
  }
  if (SSL_CTX_use_PrivateKey_file(native, tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return Error("failed to load X509KeyPair: key_file " + tls.key_file + ": " +
                 OpenSslError("cannot read the key"));
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return Error("failed to load X509KeyPair: private key does not match public key (" +
                 tls.cert_file + ", " + tls.key_file + ")");
  }
  if (SSL_CTX_set_min_proto_version(native, tls.min_version) != 1 ||
      SSL_CTX_set_max_proto_version(native, tls.max_version) != 1) {
    return Error("unsupported TLS version bounds");
  }
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION);
  if (tls.prefer_server_cipher_suites) SSL_CTX_set_options(native, SSL_OP_CIPHER_SERVER_PREFERENCE);

  if (!tls.cipher_suites.empty()) {
    std::string list;
    for (const std::string& name : tls.cipher_suites) {
      if (IsTls13Suite(name)) continue;  // Go does not configure TLS 1.3 suites either
      auto it = CipherNames().find(name);
      if (it == CipherNames().end()) return Error("unknown cipher: " + name);
      if (!list.empty()) list += ':';
      list += it->second;
    }
    if (!list.empty() && SSL_CTX_set_cipher_list(native, list.c_str()) != 1) {
      return Error("cipher_suites: " + OpenSslError("no usable cipher suite"));
    }
  }
  if (!tls.curve_preferences.empty()) {
    spdlog::warn("http: tls_server_config curve_preferences is not supported; ignored");
  }
  if (!tls.client_allowed_sans.empty()) {
    spdlog::warn("http: tls_server_config client_allowed_sans is not supported; ignored");
  }

  const std::string& auth = tls.client_auth_type;
  if (!tls.client_ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(native, tls.client_ca_file.c_str(), nullptr) != 1) {
      return Error("client_ca_file " + tls.client_ca_file + ": " +
                   OpenSslError("cannot read the CA file"));
    }
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(tls.client_ca_file.c_str());
    if (names != nullptr) SSL_CTX_set_client_CA_list(native, names);  // takes ownership
  } else if (auth == "VerifyClientCertIfGiven" || auth == "RequireAndVerifyClientCert") {
    SSL_CTX_set_default_verify_paths(native);
  }
  // Resumed sessions of verified clients need a session id context.
  static const unsigned char kSessionContext[] = "tsdbd";
  SSL_CTX_set_session_id_context(native, kSessionContext, sizeof kSessionContext - 1);

  if (auth == "NoClientCert" || auth.empty()) {
    ctx->set_verify_mode(ssl::verify_none);
  } else if (auth == "RequestClientCert" || auth == "RequireAnyClientCert") {
    ctx->set_verify_mode(ssl::verify_peer |
                         (auth == "RequireAnyClientCert" ? ssl::verify_fail_if_no_peer_cert : 0));
    ctx->set_verify_callback([](bool, ssl::verify_context&) { return true; });
  } else if (auth == "VerifyClientCertIfGiven") {
    ctx->set_verify_mode(ssl::verify_peer);
  } else if (auth == "RequireAndVerifyClientCert") {
    ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  } else {
    return Error("Invalid ClientAuth: " + auth);
  }
  return ctx;
}

}  // namespace tsdbd::http
