#include "lib/config/web_config.h"

#include <fstream>
#include <set>
#include <sstream>

#include "lib/config/url.h"
#include "lib/config/yaml_reader.h"
#include "lib/model/go_quote.h"
#include "lib/model/names.h"

namespace tsdbd::config {
namespace {

using internal::Fields;
using internal::YamlReader;

uint16_t TlsVersion(const YamlReader& r, const YAML::Node& node) {
  static const std::map<std::string, uint16_t> kVersions = {
      {"TLS10", 0x0301}, {"TLS11", 0x0302}, {"TLS12", 0x0303}, {"TLS13", 0x0304}};
  std::string s = r.Str(node);
  auto it = kVersions.find(s);
  if (it == kVersions.end()) r.Fail(node, "unknown TLS version: " + s);
  return it->second;
}

TlsServerConfig ParseTls(const YamlReader& r, const YAML::Node& node, const std::string& dir) {
  static const std::set<std::string> kAuthTypes = {
      "NoClientCert", "RequestClientCert", "RequireAnyClientCert", "VerifyClientCertIfGiven",
      "RequireAndVerifyClientCert"};
  TlsServerConfig t;
  Fields f(r, node, "tls_server_config",
           {"cert_file", "key_file", "client_auth_type", "client_ca_file", "cipher_suites",
            "curve_preferences", "min_version", "max_version", "prefer_server_cipher_suites",
            "client_allowed_sans"});
  if (auto v = f.Get("cert_file")) t.cert_file = JoinDir(dir, r.Str(*v));
  if (auto v = f.Get("key_file")) t.key_file = JoinDir(dir, r.Str(*v));
  if (auto v = f.Get("client_auth_type")) t.client_auth_type = r.Str(*v);
  if (auto v = f.Get("client_ca_file")) t.client_ca_file = JoinDir(dir, r.Str(*v));
  if (auto v = f.Get("cipher_suites")) t.cipher_suites = r.StrList(*v);
  if (auto v = f.Get("curve_preferences")) t.curve_preferences = r.StrList(*v);
  if (auto v = f.Get("min_version")) t.min_version = TlsVersion(r, *v);
  if (auto v = f.Get("max_version")) t.max_version = TlsVersion(r, *v);
  if (auto v = f.Get("prefer_server_cipher_suites")) t.prefer_server_cipher_suites = r.Bool(*v);
  if (auto v = f.Get("client_allowed_sans")) t.client_allowed_sans = r.StrList(*v);
  // Without a certificate and key the section means "no TLS", as in exporter-toolkit.
  if (t.cert_file.empty() && t.key_file.empty() && t.client_ca_file.empty()) return t;
  if (t.cert_file.empty()) r.Fail(node, "missing cert_file");
  if (t.key_file.empty()) r.Fail(node, "missing key_file");
  if (t.client_auth_type.empty()) t.client_auth_type = "NoClientCert";
  if (!kAuthTypes.count(t.client_auth_type))
    r.Fail(f.Get("client_auth_type").value_or(node), "Invalid ClientAuth: " + t.client_auth_type);
  if (!t.client_ca_file.empty() && t.client_auth_type == "NoClientCert")
    r.Fail(node, "Client CA's have been configured without a Client Auth Policy");
  if (t.min_version > t.max_version)
    r.Fail(node, "min_version must be lower than or equal to max_version");
  return t;
}

}  // namespace

Result<WebConfig> ParseWebConfig(std::string_view yaml_text, const std::string& filename,
                                 const std::string& dir) {
  YamlReader r(filename);
  try {
    WebConfig w;
    YAML::Node root = YAML::Load(std::string(yaml_text));
    Fields f(r, root, "web config",
             {"tls_server_config", "http_server_config", "basic_auth_users"});
    if (auto v = f.Get("tls_server_config")) {
      TlsServerConfig t = ParseTls(r, *v, dir);
      if (!t.cert_file.empty()) w.tls_server_config = std::move(t);
    }
    if (auto v = f.Get("http_server_config")) {
      static const std::set<std::string> kHeaders = {"Content-Security-Policy", "X-Frame-Options",
                                                     "X-Content-Type-Options", "X-XSS-Protection",
                                                     "Strict-Transport-Security"};
      Fields h(r, *v, "http_server_config", {"http2", "headers"});
      if (auto x = h.Get("http2")) w.http_server_config.http2 = r.Bool(*x);
      if (auto x = h.Get("headers")) {
        w.http_server_config.headers = r.StrMap(*x);
        for (const auto& kv : *x) {
          if (!kHeaders.count(kv.first.Scalar()))
            r.Fail(kv.first,
                   "HTTP header " + GoQuote(kv.first.Scalar()) + " can not be configured");
        }
      }
    }
    if (auto v = f.Get("basic_auth_users")) {
      w.basic_auth_users = r.StrMap(*v);
      for (const auto& kv : *v) {
        const std::string hash = r.Str(kv.second);
        bool shaped = hash.size() == 60 && hash[0] == '$' && hash[1] == '2' &&
                      (hash[2] == 'a' || hash[2] == 'b' || hash[2] == 'y') && hash[3] == '$';
        if (!shaped)
          r.Fail(kv.second, "basic auth password of user " + GoQuote(kv.first.Scalar()) +
                                " is not a bcrypt hash");
      }
    }
    return w;
  } catch (const internal::ParseError& e) {
    return Error(e.what());
  } catch (const YAML::Exception& e) {
    return Error(filename + ":" + std::to_string(e.mark.line + 1) + ":" +
                 std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

Result<WebConfig> LoadWebConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error("open " + path + ": no such file or directory");
  std::stringstream buf;
  buf << in.rdbuf();
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  return ParseWebConfig(buf.str(), path, dir);
}

}  // namespace tsdbd::config
