// LoadConfigFile: reads a config file and resolves its relative paths against the file's
// directory, as Prometheus's SetDirectory does.
#include <fstream>
#include <sstream>

#include "lib/config/config.h"
#include "lib/config/url.h"

namespace tsdbd::config {
namespace {

void SetDirectory(TlsConfig& t, const std::string& dir) {
  t.ca_file = JoinDir(dir, t.ca_file);
  t.cert_file = JoinDir(dir, t.cert_file);
  t.key_file = JoinDir(dir, t.key_file);
}

void SetDirectory(HttpClientConfig& h, const std::string& dir) {
  SetDirectory(h.tls_config, dir);
  if (h.basic_auth) h.basic_auth->password_file = JoinDir(dir, h.basic_auth->password_file);
  if (h.authorization)
    h.authorization->credentials_file = JoinDir(dir, h.authorization->credentials_file);
  if (h.oauth2) {
    h.oauth2->client_secret_file = JoinDir(dir, h.oauth2->client_secret_file);
    SetDirectory(h.oauth2->tls_config, dir);
  }
}

void SetDirectory(ServiceDiscovery& sd, const std::string& dir) {
  for (auto& f : sd.file_sd_configs)
    for (auto& file : f.files) file = JoinDir(dir, file);
}

}  // namespace

void SetConfigDirectory(Config& c, const std::string& dir) {
  c.global.query_log_file = JoinDir(dir, c.global.query_log_file);
  for (auto& f : c.rule_files) f = JoinDir(dir, f);
  for (auto& s : c.scrape_configs) {
    SetDirectory(s.http_client, dir);
    SetDirectory(s.service_discovery, dir);
  }
  for (auto& am : c.alerting.alertmanagers) {
    SetDirectory(am.http_client, dir);
    SetDirectory(am.service_discovery, dir);
  }
  for (auto& w : c.remote_write) SetDirectory(w.http_client, dir);
  for (auto& r : c.remote_read) SetDirectory(r.http_client, dir);
  SetDirectory(c.tracing.tls_config, dir);
}

Result<Config> LoadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error("open " + path + ": no such file or directory");
  std::stringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return Error("read " + path + ": I/O error");
  auto config = ParseConfig(buf.str(), path);
  if (!config.ok()) return config;
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  SetConfigDirectory(*config, dir);
  return config;
}

}  // namespace tsdbd::config
