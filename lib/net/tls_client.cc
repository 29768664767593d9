#include "lib/net/tls_client.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

namespace tsdbd::net {
namespace ssl = boost::asio::ssl;
namespace {

// Go's open() error text when `path` cannot be read, "" when it can.
std::string OpenError(const std::string& path) {
  std::ifstream in(path);
  if (in) return "";
  std::string reason = std::strerror(errno);
  if (!reason.empty()) reason[0] = static_cast<char>(std::tolower(reason[0]));
  return "open " + path + ": " + reason;
}

std::string LastOpenSslError() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

bool IsIpAddress(const std::string& host) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  return !ec;
}

// The leaf certificate's DNS names and IP addresses (subjectAltName).
void AltNames(X509* cert, std::vector<std::string>* dns, std::vector<std::string>* ips) {
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type == GEN_DNS) {
      const unsigned char* data = ASN1_STRING_get0_data(name->d.dNSName);
      dns->emplace_back(reinterpret_cast<const char*>(data), ASN1_STRING_length(name->d.dNSName));
    } else if (name->type == GEN_IPADD) {
      const unsigned char* data = ASN1_STRING_get0_data(name->d.iPAddress);
      int len = ASN1_STRING_length(name->d.iPAddress);
      if (len == 4) {
        boost::asio::ip::address_v4::bytes_type b;
        std::memcpy(b.data(), data, 4);
        ips->push_back(boost::asio::ip::address_v4(b).to_string());
      } else if (len == 16) {
        boost::asio::ip::address_v6::bytes_type b;
        std::memcpy(b.data(), data, 16);
        ips->push_back(boost::asio::ip::address_v6(b).to_string());
      }
    }
  }
  GENERAL_NAMES_free(names);
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += ", ";
    out += p;
  }
  return out;
}

// Go's x509.HostnameError text for a certificate that does not name `wanted`.
std::string HostnameErrorText(SSL* ssl, const std::string& wanted) {
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl);
  X509* leaf = chain != nullptr && sk_X509_num(chain) > 0 ? sk_X509_value(chain, 0) : nullptr;
  std::vector<std::string> dns, ips;
  if (leaf != nullptr) AltNames(leaf, &dns, &ips);
  if (IsIpAddress(wanted)) {
    if (ips.empty()) {
      return "x509: cannot validate certificate for " + wanted +
             " because it doesn't contain any IP SANs";
    }
    return "x509: certificate is valid for " + Join(ips) + ", not " + wanted;
  }
  if (dns.empty()) {
    return "x509: certificate is not valid for any names, but wanted to match " + wanted;
  }
  return "x509: certificate is valid for " + Join(dns) + ", not " + wanted;
}

}  // namespace

Result<std::shared_ptr<ssl::context>> MakeClientTlsContext(const config::TlsConfig& tls) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX* native = ctx->native_handle();
  boost::system::error_code ec;
  if (!tls.ca_file.empty()) {
    if (std::string err = OpenError(tls.ca_file); !err.empty()) {
      return Error("unable to load specified CA cert " + tls.ca_file + ": " + err);
    }
    ctx->load_verify_file(tls.ca_file, ec);
    if (ec) {
      return Error("unable to use specified CA cert " + tls.ca_file);
    }
  } else {
    ctx->set_default_verify_paths(ec);
  }
  if (!tls.cert_file.empty() && tls.key_file.empty()) {
    return Error("client cert file \"" + tls.cert_file + "\" specified without client key file");
  }
  if (!tls.key_file.empty() && tls.cert_file.empty()) {
    return Error("client key file \"" + tls.key_file + "\" specified without client cert file");
  }
  if (!tls.cert_file.empty()) {
    std::string where = "unable to use specified client cert (" + tls.cert_file + ") & key (" +
                        tls.key_file + "): ";
    for (const std::string* file : {&tls.cert_file, &tls.key_file}) {
      if (std::string err = OpenError(*file); !err.empty()) return Error(where + err);
    }
    if (SSL_CTX_use_certificate_chain_file(native, tls.cert_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(native, tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(native) != 1) {
      return Error(where + LastOpenSslError());
    }
  }
  SSL_CTX_set_min_proto_version(native, tls.min_version != 0 ? tls.min_version : TLS1_2_VERSION);
  if (tls.max_version != 0) SSL_CTX_set_max_proto_version(native, tls.max_version);
  ctx->set_verify_mode(tls.insecure_skip_verify ? ssl::verify_none : ssl::verify_peer);
  return ctx;
}

Status PrepareTlsConnection(SSL* ssl, const config::TlsConfig& tls, const std::string& host) {
  const std::string& name = tls.server_name.empty() ? host : tls.server_name;
  bool ip = IsIpAddress(name);
  if (!ip && SSL_set_tlsext_host_name(ssl, name.c_str()) != 1) {
    return Error("tls: invalid server name " + name);
  }
  if (tls.insecure_skip_verify) return Status::Ok();
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str())
              : X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
  if (ok != 1) return Error("tls: cannot verify the name " + name);
  return Status::Ok();
}

std::string HandshakeErrorText(SSL* ssl, const boost::system::error_code& ec,
                               const config::TlsConfig& tls, const std::string& host) {
  long verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK && !tls.insecure_skip_verify) {
    switch (verify) {
      case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
      case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
      case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
      case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
      case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        return "x509: certificate signed by unknown authority";
      case X509_V_ERR_HOSTNAME_MISMATCH:
      case X509_V_ERR_IP_ADDRESS_MISMATCH:
        return HostnameErrorText(ssl, tls.server_name.empty() ? host : tls.server_name);
      case X509_V_ERR_CERT_HAS_EXPIRED:
      case X509_V_ERR_CERT_NOT_YET_VALID:
        return "x509: certificate has expired or is not yet valid";
      default:
        return std::string("x509: ") + X509_verify_cert_error_string(verify);
    }
  }
  return TlsErrorText(ec);
}

std::string TlsErrorText(const boost::system::error_code& ec) {
  std::string reason = ec.message();
  auto has = [&](const char* s) { return reason.find(s) != std::string::npos; };
  if (has("alert unknown ca")) return "remote error: tls: unknown certificate authority";
  if (has("alert bad certificate")) return "remote error: tls: bad certificate";
  if (has("certificate required")) return "remote error: tls: certificate required";
  if (has("alert handshake failure")) return "remote error: tls: handshake failure";
  if (has("alert protocol version") || has("unsupported protocol")) {
    return "remote error: tls: protocol version not supported";
  }
  if (has("wrong version number") || has("packet length too long")) {
    return "tls: first record does not look like a TLS handshake";
  }
  if (ec == boost::asio::ssl::error::stream_truncated || ec == boost::asio::error::eof) {
    return "EOF";
  }
  return "tls: " + reason;
}

}  // namespace tsdbd::net
