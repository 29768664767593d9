// ParseConfig: prometheus.yml text -> validated Config, with Prometheus 2.42's rules.
#include <re2/re2.h>

#include <set>

#include "lib/config/config.h"
#include "lib/config/url.h"
#include "lib/config/yaml_reader.h"
#include "lib/model/byte_size.h"
#include "lib/model/go_quote.h"
#include "lib/model/names.h"

namespace tsdbd::config {
namespace {

using internal::Fields;
using internal::YamlReader;
using Keys = std::vector<std::string>;

Keys Concat(Keys a, const Keys& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

const Keys kHttpClientKeys = {
    "basic_auth", "authorization",        "oauth2",     "bearer_token",     "bearer_token_file",
    "proxy_url",  "proxy_connect_header", "tls_config", "follow_redirects", "enable_http2"};
const Keys kSdKeys = {"static_configs", "dns_sd_configs", "file_sd_configs"};

class Parser {
 public:
  explicit Parser(const YamlReader& r) : r_(r) {}

  Config ParseRoot(const YAML::Node& root);

 private:
  GlobalConfig ParseGlobal(const YAML::Node& node);
  ScrapeConfig ParseScrape(const YAML::Node& node, const GlobalConfig& global);
  AlertingConfig ParseAlerting(const YAML::Node& node);
  AlertmanagerConfig ParseAlertmanager(const YAML::Node& node);
  RemoteWriteConfig ParseRemoteWrite(const YAML::Node& node);
  RemoteReadConfig ParseRemoteRead(const YAML::Node& node);
  StorageConfig ParseStorage(const YAML::Node& node);
  TracingConfig ParseTracing(const YAML::Node& node);

  HttpClientConfig ParseHttpClient(const Fields& f, bool enable_http2_default = true);
  TlsConfig ParseTls(const YAML::Node& node);
  uint16_t ParseTlsVersion(const YAML::Node& node);
  std::vector<RelabelConfig> ParseRelabels(const YAML::Node& node, const char* null_message);
  RelabelConfig ParseRelabel(const YAML::Node& node);
  ServiceDiscovery ParseSd(const Fields& f);
  void CheckTargets(const ServiceDiscovery& sd, const Fields& f);
  std::string ParseUrl(const YAML::Node& node);
  void CheckHeaders(const std::map<std::string, std::string>& headers, const YAML::Node& node);

  const YamlReader& r_;
};

Config Parser::ParseRoot(const YAML::Node& root) {
  Config c;
  Fields f(r_, root, "config",
           {"global", "alerting", "rule_files", "scrape_configs", "storage", "tracing",
            "remote_write", "remote_read"});
  if (auto v = f.Get("global")) c.global = ParseGlobal(*v);
  if (auto v = f.Get("rule_files")) {
    static const RE2 kRulePath(R"(^[^*]*(\*[^/]*)?$)");
    for (const auto& item : r_.Seq(*v)) {
      std::string path = r_.Str(item);
      if (!RE2::FullMatch(path, kRulePath))
        r_.Fail(item, "invalid rule file path " + GoQuote(path));
      c.rule_files.push_back(path);
    }
  }
  if (auto v = f.Get("scrape_configs")) {
    std::set<std::string> jobs;
    for (const auto& item : r_.Seq(*v)) {
      if (item.IsNull()) r_.Fail(item, "empty or null scrape config section");
      ScrapeConfig sc = ParseScrape(item, c.global);
      if (!jobs.insert(sc.job_name).second)
        r_.Fail(item, "found multiple scrape configs with job name " + GoQuote(sc.job_name));
      c.scrape_configs.push_back(std::move(sc));
    }
  }
  if (auto v = f.Get("alerting")) c.alerting = ParseAlerting(*v);
  if (auto v = f.Get("remote_write")) {
    std::set<std::string> names;
    for (const auto& item : r_.Seq(*v)) {
      if (item.IsNull()) r_.Fail(item, "empty or null remote write config section");
      RemoteWriteConfig rw = ParseRemoteWrite(item);
      if (!rw.name.empty() && !names.insert(rw.name).second)
        r_.Fail(item, "found multiple remote write configs with job name " + GoQuote(rw.name));
      c.remote_write.push_back(std::move(rw));
    }
  }
  if (auto v = f.Get("remote_read")) {
    std::set<std::string> names;
    for (const auto& item : r_.Seq(*v)) {
      if (item.IsNull()) r_.Fail(item, "empty or null remote read config section");
      RemoteReadConfig rr = ParseRemoteRead(item);
      if (!rr.name.empty() && !names.insert(rr.name).second)
        r_.Fail(item, "found multiple remote read configs with job name " + GoQuote(rr.name));
      c.remote_read.push_back(std::move(rr));
    }
  }
  if (auto v = f.Get("storage")) c.storage = ParseStorage(*v);
  if (f.Has("tracing")) c.tracing = ParseTracing(f.Get("tracing").value_or(YAML::Node()));
  return c;
}

GlobalConfig Parser::ParseGlobal(const YAML::Node& node) {
  GlobalConfig g;
  Fields f(r_, node, "global config",
           {"scrape_interval", "scrape_timeout", "evaluation_interval", "external_labels",
            "query_log_file"});
  Duration interval{0}, timeout{0}, eval{0};
  if (auto v = f.Get("scrape_interval")) interval = r_.Dur(*v);
  if (auto v = f.Get("scrape_timeout")) timeout = r_.Dur(*v);
  if (auto v = f.Get("evaluation_interval")) eval = r_.Dur(*v);
  if (auto v = f.Get("external_labels")) g.external_labels = r_.Labels(*v);
  if (auto v = f.Get("query_log_file")) g.query_log_file = r_.Str(*v);

  if (interval.count() == 0) interval = GlobalConfig{}.scrape_interval;
  if (timeout > interval) {
    r_.Fail(f.Get("scrape_timeout").value_or(node),
            "global scrape timeout (" + FormatDuration(timeout) +
                ") greater than scrape interval (" + FormatDuration(interval) + ")");
  }
  if (timeout.count() == 0) timeout = std::min(GlobalConfig{}.scrape_timeout, interval);
  if (eval.count() == 0) eval = GlobalConfig{}.evaluation_interval;
  g.scrape_interval = interval;
  g.scrape_timeout = timeout;
  g.evaluation_interval = eval;
  return g;
}

ScrapeConfig Parser::ParseScrape(const YAML::Node& node, const GlobalConfig& global) {
  ScrapeConfig s;
  Fields f(
      r_, node, "scrape config",
      Concat(Concat({"job_name", "honor_labels", "honor_timestamps", "params", "scrape_interval",
                     "scrape_timeout", "metrics_path", "scheme", "body_size_limit", "sample_limit",
                     "target_limit", "label_limit", "label_name_length_limit",
                     "label_value_length_limit", "relabel_configs", "metric_relabel_configs"},
                    kHttpClientKeys),
             kSdKeys));
  if (auto v = f.Get("job_name")) s.job_name = r_.Str(*v);
  if (s.job_name.empty()) r_.Fail(f.Get("job_name").value_or(node), "job_name is empty");
  if (auto v = f.Get("honor_labels")) s.honor_labels = r_.Bool(*v);
  if (auto v = f.Get("honor_timestamps")) s.honor_timestamps = r_.Bool(*v);
  if (auto v = f.Get("params")) {
    if (!v->IsMap()) r_.Fail(*v, "params must be a mapping of names to lists of values");
    for (const auto& kv : *v) s.params[r_.Str(kv.first)] = r_.StrList(kv.second);
  }
  if (auto v = f.Get("scrape_interval")) s.scrape_interval = r_.Dur(*v);
  if (auto v = f.Get("scrape_timeout")) s.scrape_timeout = r_.Dur(*v);
  if (auto v = f.Get("metrics_path")) s.metrics_path = r_.Str(*v);
  if (auto v = f.Get("scheme")) s.scheme = r_.Str(*v);
  if (auto v = f.Get("body_size_limit")) {
    auto size = ParseByteSize(r_.Str(*v));
    if (!size.ok()) r_.Fail(*v, size.error().message());
    s.body_size_limit = *size;
  }
  if (auto v = f.Get("sample_limit")) s.sample_limit = r_.Uint(*v);
  if (auto v = f.Get("target_limit")) s.target_limit = r_.Uint(*v);
  if (auto v = f.Get("label_limit")) s.label_limit = r_.Uint(*v);
  if (auto v = f.Get("label_name_length_limit")) s.label_name_length_limit = r_.Uint(*v);
  if (auto v = f.Get("label_value_length_limit")) s.label_value_length_limit = r_.Uint(*v);
  s.http_client = ParseHttpClient(f);
  if (auto v = f.Get("relabel_configs"))
    s.relabel_configs = ParseRelabels(*v, "empty or null target relabeling rule in scrape config");
  if (auto v = f.Get("metric_relabel_configs"))
    s.metric_relabel_configs =
        ParseRelabels(*v, "empty or null metric relabeling rule in scrape config");
  s.service_discovery = ParseSd(f);
  CheckTargets(s.service_discovery, f);

  if (s.scrape_interval.count() == 0) s.scrape_interval = global.scrape_interval;
  if (s.scrape_timeout > s.scrape_interval) {
    r_.Fail(f.Get("scrape_timeout").value_or(node),
            "scrape timeout (" + FormatDuration(s.scrape_timeout) +
                ") greater than scrape interval (" + FormatDuration(s.scrape_interval) +
                ") for scrape config with job name " + GoQuote(s.job_name));
  }
  if (s.scrape_timeout.count() == 0) {
    s.scrape_timeout =
        global.scrape_timeout > s.scrape_interval ? s.scrape_interval : global.scrape_timeout;
  }
  return s;
}

HttpClientConfig Parser::ParseHttpClient(const Fields& f, bool enable_http2_default) {
  HttpClientConfig h;
  h.enable_http2 = enable_http2_default;
  if (auto v = f.Get("basic_auth")) {
    Fields b(r_, *v, "basic_auth", {"username", "password", "password_file"});
    BasicAuth a;
    if (auto x = b.Get("username")) a.username = r_.Str(*x);
    if (auto x = b.Get("password")) a.password = r_.Str(*x);
    if (auto x = b.Get("password_file")) a.password_file = r_.Str(*x);
    if (!a.password.empty() && !a.password_file.empty())
      r_.Fail(*v, "at most one of basic_auth password & password_file must be configured");
    h.basic_auth = a;
  }
  if (auto v = f.Get("authorization")) {
    Fields b(r_, *v, "authorization", {"type", "credentials", "credentials_file"});
    Authorization a;
    if (auto x = b.Get("type")) a.type = r_.Str(*x);
    if (a.type.empty()) a.type = "Bearer";
    if (auto x = b.Get("credentials")) a.credentials = r_.Str(*x);
    if (auto x = b.Get("credentials_file")) a.credentials_file = r_.Str(*x);
    std::string lower = a.type;
    for (char& c : lower) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
    if (lower == "basic")
      r_.Fail(b.Get("type").value_or(*v),
              "authorization type cannot be set to \"basic\", use \"basic_auth\" instead");
    if (!a.credentials.empty() && !a.credentials_file.empty())
      r_.Fail(*v, "at most one of authorization credentials & credentials_file must be configured");
    h.authorization = a;
  }
  std::string bearer, bearer_file;
  if (auto v = f.Get("bearer_token")) bearer = r_.Str(*v);
  if (auto v = f.Get("bearer_token_file")) bearer_file = r_.Str(*v);
  const YAML::Node& here = f.node();
  if (!bearer.empty() && !bearer_file.empty())
    r_.Fail(here, "at most one of bearer_token & bearer_token_file must be configured");
  if (h.basic_auth && (!bearer.empty() || !bearer_file.empty()))
    r_.Fail(here, "at most one of basic_auth, bearer_token & bearer_token_file must be configured");
  if (h.authorization && (!bearer.empty() || !bearer_file.empty()))
    r_.Fail(here, "authorization is not compatible with bearer_token & bearer_token_file");
  if (!bearer.empty() || !bearer_file.empty()) {
    h.authorization = Authorization{"Bearer", bearer, bearer_file};
  }
  if (auto v = f.Get("oauth2")) {
    Fields b(r_, *v, "oauth2",
             {"client_id", "client_secret", "client_secret_file", "scopes", "token_url",
              "endpoint_params", "tls_config", "proxy_url"});
    OAuth2 o;
    if (auto x = b.Get("client_id")) o.client_id = r_.Str(*x);
    if (auto x = b.Get("client_secret")) o.client_secret = r_.Str(*x);
    if (auto x = b.Get("client_secret_file")) o.client_secret_file = r_.Str(*x);
    if (auto x = b.Get("scopes")) o.scopes = r_.StrList(*x);
    if (auto x = b.Get("token_url")) o.token_url = r_.Str(*x);
    if (auto x = b.Get("endpoint_params")) o.endpoint_params = r_.StrMap(*x);
    if (auto x = b.Get("tls_config")) o.tls_config = ParseTls(*x);
    if (auto x = b.Get("proxy_url")) o.proxy_url = ParseUrl(*x);
    if (o.client_id.empty()) r_.Fail(*v, "oauth2 client_id must be configured");
    if (o.client_secret.empty() && o.client_secret_file.empty())
      r_.Fail(*v, "either oauth2 client_secret or client_secret_file must be configured");
    if (!o.client_secret.empty() && !o.client_secret_file.empty())
      r_.Fail(*v, "at most one of oauth2 client_secret & client_secret_file must be configured");
    if (o.token_url.empty()) r_.Fail(*v, "oauth2 token_url must be configured");
    h.oauth2 = o;
  }
  int auth_count = (h.basic_auth ? 1 : 0) + (h.authorization ? 1 : 0) + (h.oauth2 ? 1 : 0);
  if (auth_count > 1)
    r_.Fail(here, "at most one of basic_auth, oauth2 & authorization must be configured");
  if (auto v = f.Get("proxy_url")) h.proxy_url = ParseUrl(*v);
  if (auto v = f.Get("proxy_connect_header")) {
    if (!v->IsMap()) r_.Fail(*v, "proxy_connect_header must be a mapping");
    for (const auto& kv : *v) h.proxy_connect_header[r_.Str(kv.first)] = r_.StrList(kv.second);
    if (!h.proxy_connect_header.empty() && h.proxy_url.empty())
      r_.Fail(*v, "if proxy_connect_header is configured proxy_url must also be configured");
  }
  if (auto v = f.Get("tls_config")) h.tls_config = ParseTls(*v);
  if (auto v = f.Get("follow_redirects")) h.follow_redirects = r_.Bool(*v);
  if (auto v = f.Get("enable_http2")) h.enable_http2 = r_.Bool(*v);
  return h;
}

uint16_t Parser::ParseTlsVersion(const YAML::Node& node) {
  static const std::map<std::string, uint16_t> kVersions = {
      {"TLS10", 0x0301}, {"TLS11", 0x0302}, {"TLS12", 0x0303}, {"TLS13", 0x0304}};
  std::string s = r_.Str(node);
  auto it = kVersions.find(s);
  if (it == kVersions.end()) r_.Fail(node, "unknown TLS version: " + s);
  return it->second;
}

TlsConfig Parser::ParseTls(const YAML::Node& node) {
  TlsConfig t;
  Fields f(r_, node, "tls_config",
           {"ca_file", "cert_file", "key_file", "server_name", "insecure_skip_verify",
            "min_version", "max_version"});
  if (auto v = f.Get("ca_file")) t.ca_file = r_.Str(*v);
  if (auto v = f.Get("cert_file")) t.cert_file = r_.Str(*v);
  if (auto v = f.Get("key_file")) t.key_file = r_.Str(*v);
  if (auto v = f.Get("server_name")) t.server_name = r_.Str(*v);
  if (auto v = f.Get("insecure_skip_verify")) t.insecure_skip_verify = r_.Bool(*v);
  if (auto v = f.Get("min_version")) t.min_version = ParseTlsVersion(*v);
  if (auto v = f.Get("max_version")) t.max_version = ParseTlsVersion(*v);
  if (!t.cert_file.empty() && t.key_file.empty())
    r_.Fail(node,
            "exactly one of key or key_file must be configured when a client certificate "
            "is configured");
  if (!t.key_file.empty() && t.cert_file.empty())
    r_.Fail(node,
            "exactly one of cert or cert_file must be configured when a client key is "
            "configured");
  return t;
}

std::vector<RelabelConfig> Parser::ParseRelabels(const YAML::Node& node, const char* null_message) {
  std::vector<RelabelConfig> out;
  for (const auto& item : r_.Seq(node)) {
    if (item.IsNull()) r_.Fail(item, null_message);
    out.push_back(ParseRelabel(item));
  }
  return out;
}

RelabelConfig Parser::ParseRelabel(const YAML::Node& node) {
  static const RE2 kRelabelTarget(R"(^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$)");
  static const std::map<std::string, RelabelAction> kActions = {
      {"replace", RelabelAction::kReplace},     {"keep", RelabelAction::kKeep},
      {"drop", RelabelAction::kDrop},           {"keepequal", RelabelAction::kKeepEqual},
      {"dropequal", RelabelAction::kDropEqual}, {"hashmod", RelabelAction::kHashMod},
      {"labelmap", RelabelAction::kLabelMap},   {"labeldrop", RelabelAction::kLabelDrop},
      {"labelkeep", RelabelAction::kLabelKeep}, {"lowercase", RelabelAction::kLowercase},
      {"uppercase", RelabelAction::kUppercase}};
  RelabelConfig c;
  Fields f(
      r_, node, "relabel config",
      {"source_labels", "separator", "regex", "modulus", "target_label", "replacement", "action"});
  if (auto v = f.Get("source_labels")) {
    for (const auto& item : r_.Seq(*v)) {
      std::string name = r_.Str(item);
      if (!IsValidLabelName(name)) r_.Fail(item, GoQuote(name) + " is not a valid label name");
      c.source_labels.push_back(name);
    }
  }
  if (auto v = f.Get("separator")) c.separator = r_.Str(*v);
  if (auto v = f.Get("regex")) {
    c.regex_text = r_.Str(*v);
    c.regex_null = c.regex_text.empty();
  }
  std::string error;
  c.regex = CompileAnchoredRegex(c.regex_text, &error);
  if (!c.regex) r_.Fail(f.Get("regex").value_or(node), "error parsing regexp: " + error);
  if (auto v = f.Get("modulus")) c.modulus = r_.Uint(*v);
  if (auto v = f.Get("target_label")) c.target_label = r_.Str(*v);
  if (auto v = f.Get("replacement")) c.replacement = r_.Str(*v);
  if (auto v = f.Get("action")) {
    std::string name = r_.Str(*v);
    std::string lower = name;
    for (char& ch : lower) ch = static_cast<char>(tolower(static_cast<unsigned char>(ch)));
    auto it = kActions.find(lower);
    if (it == kActions.end()) r_.Fail(*v, "unknown relabel action " + GoQuote(name));
    c.action = it->second;
  }

  const RelabelAction a = c.action;
  const std::string an = RelabelActionName(a);
  const RelabelConfig defaults;
  const YAML::Node at_target = f.Get("target_label").value_or(node);
  if (a == RelabelAction::kHashMod && c.modulus == 0)
    r_.Fail(node, "relabel configuration for hashmod requires non-zero modulus");
  if ((a == RelabelAction::kReplace || a == RelabelAction::kHashMod ||
       a == RelabelAction::kLowercase || a == RelabelAction::kUppercase ||
       a == RelabelAction::kKeepEqual || a == RelabelAction::kDropEqual) &&
      c.target_label.empty())
    r_.Fail(node, "relabel configuration for " + an + " action requires 'target_label' value");
  if ((a == RelabelAction::kReplace || a == RelabelAction::kLowercase ||
       a == RelabelAction::kUppercase) &&
      !RE2::FullMatch(c.target_label, kRelabelTarget))
    r_.Fail(at_target,
            GoQuote(c.target_label) + " is invalid 'target_label' for " + an + " action");
  if ((a == RelabelAction::kLowercase || a == RelabelAction::kUppercase ||
       a == RelabelAction::kKeepEqual || a == RelabelAction::kDropEqual) &&
      c.replacement != defaults.replacement)
    r_.Fail(f.Get("replacement").value_or(node),
            "'replacement' can not be set for " + an + " action");
  if (a == RelabelAction::kLabelMap && !RE2::FullMatch(c.replacement, kRelabelTarget))
    r_.Fail(f.Get("replacement").value_or(node),
            GoQuote(c.replacement) + " is invalid 'replacement' for " + an + " action");
  if (a == RelabelAction::kHashMod && !IsValidLabelName(c.target_label))
    r_.Fail(at_target,
            GoQuote(c.target_label) + " is invalid 'target_label' for " + an + " action");
  if ((a == RelabelAction::kKeepEqual || a == RelabelAction::kDropEqual) &&
      (c.regex_text != defaults.regex_text || c.regex_null || c.modulus != 0 ||
       c.separator != defaults.separator || c.replacement != defaults.replacement))
    r_.Fail(node, an + " action requires only 'source_labels' and `target_label`, and no other "
                       "fields");
  if ((a == RelabelAction::kLabelDrop || a == RelabelAction::kLabelKeep) &&
      (f.Has("source_labels") || !c.target_label.empty() || c.modulus != 0 ||
       c.separator != defaults.separator || c.replacement != defaults.replacement))
    r_.Fail(node, an + " action requires only 'regex', and no other fields");
  return c;
}

ServiceDiscovery Parser::ParseSd(const Fields& f) {
  ServiceDiscovery sd;
  if (auto v = f.Get("static_configs")) {
    for (const auto& item : r_.Seq(*v)) {
      Fields s(r_, item, "static_config", {"targets", "labels"});
      StaticConfig sc;
      if (auto x = s.Get("targets")) sc.targets = r_.StrList(*x);
      if (auto x = s.Get("labels")) sc.labels = r_.Labels(*x);
      sd.static_configs.push_back(std::move(sc));
    }
  }
  if (auto v = f.Get("dns_sd_configs")) {
    for (const auto& item : r_.Seq(*v)) {
      Fields s(r_, item, "dns_sd_config", {"names", "refresh_interval", "type", "port"});
      DnsSdConfig d;
      if (auto x = s.Get("names")) d.names = r_.StrList(*x);
      if (auto x = s.Get("refresh_interval")) d.refresh_interval = r_.Dur(*x);
      if (auto x = s.Get("type")) d.type = r_.Str(*x);
      if (auto x = s.Get("port")) d.port = static_cast<int>(r_.Int(*x));
      if (d.names.empty()) r_.Fail(item, "DNS-SD config must contain at least one SRV record name");
      std::string upper = d.type;
      for (char& c : upper) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
      if (upper == "A" || upper == "AAAA" || upper == "MX") {
        if (d.port == 0)
          r_.Fail(item, "a port is required in DNS-SD configs for all record types except SRV");
      } else if (upper != "SRV") {
        r_.Fail(s.Get("type").value_or(item), "invalid DNS-SD records type " + d.type);
      }
      sd.dns_sd_configs.push_back(std::move(d));
    }
  }
  if (auto v = f.Get("file_sd_configs")) {
    static const RE2 kPattern(R"(^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$)");
    for (const auto& item : r_.Seq(*v)) {
      Fields s(r_, item, "file_sd_config", {"files", "refresh_interval"});
      FileSdConfig fc;
      if (auto x = s.Get("files")) {
        for (const auto& file : r_.Seq(*x)) {
          std::string path = r_.Str(file);
          if (!RE2::FullMatch(path, kPattern))
            r_.Fail(file, "path name " + GoQuote(path) + " is not valid for file discovery");
          fc.files.push_back(path);
        }
      }
      if (auto x = s.Get("refresh_interval")) fc.refresh_interval = r_.Dur(*x);
      if (fc.files.empty())
        r_.Fail(item, "file service discovery config must contain at least one path name");
      sd.file_sd_configs.push_back(std::move(fc));
    }
  }
  return sd;
}

void Parser::CheckTargets(const ServiceDiscovery& sd, const Fields& f) {
  for (const auto& sc : sd.static_configs) {
    for (const auto& t : sc.targets) {
      if (t.find('/') != std::string::npos)
        r_.Fail(f.Get("static_configs").value_or(f.node()),
                GoQuote(t) + " is not a valid hostname");
    }
  }
}

std::string Parser::ParseUrl(const YAML::Node& node) {
  std::string text = r_.Str(node);
  std::string error = ValidateUrl(text);
  if (!error.empty()) r_.Fail(node, "parse " + GoQuote(text) + ": " + error);
  return text;
}

void Parser::CheckHeaders(const std::map<std::string, std::string>& headers,
                          const YAML::Node& node) {
  static const std::set<std::string> kReserved = {"host",
                                                  "content-encoding",
                                                  "content-length",
                                                  "content-type",
                                                  "user-agent",
                                                  "connection",
                                                  "keep-alive",
                                                  "proxy-authenticate",
                                                  "proxy-authorization",
                                                  "www-authenticate",
                                                  "accept-encoding",
                                                  "x-prometheus-remote-write-version",
                                                  "x-prometheus-remote-read-version",
                                                  "x-amz-date",
                                                  "x-amz-security-token",
                                                  "x-amz-content-sha256"};
  for (const auto& [name, value] : headers) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
    if (lower == "authorization")
      r_.Fail(node,
              "authorization header must be changed via the basic_auth, authorization, "
              "oauth2, or sigv4 parameter");
    if (kReserved.count(lower))
      r_.Fail(node, name + " is a reserved header. It must not be changed");
  }
}

AlertingConfig Parser::ParseAlerting(const YAML::Node& node) {
  AlertingConfig a;
  Fields f(r_, node, "alerting config", {"alert_relabel_configs", "alertmanagers"});
  if (auto v = f.Get("alert_relabel_configs"))
    a.alert_relabel_configs = ParseRelabels(*v, "empty or null alert relabeling rule");
  if (auto v = f.Get("alertmanagers")) {
    for (const auto& item : r_.Seq(*v)) {
      if (item.IsNull()) r_.Fail(item, "empty or null alertmanager config section");
      a.alertmanagers.push_back(ParseAlertmanager(item));
    }
  }
  return a;
}

AlertmanagerConfig Parser::ParseAlertmanager(const YAML::Node& node) {
  AlertmanagerConfig a;
  Fields f(r_, node, "alertmanager config",
           Concat(Concat({"scheme", "path_prefix", "timeout", "api_version", "relabel_configs"},
                         kHttpClientKeys),
                  kSdKeys));
  a.http_client = ParseHttpClient(f);
  if (auto v = f.Get("scheme")) a.scheme = r_.Str(*v);
  if (auto v = f.Get("path_prefix")) a.path_prefix = r_.Str(*v);
  if (auto v = f.Get("timeout")) a.timeout = r_.Dur(*v);
  if (auto v = f.Get("api_version")) {
    a.api_version = r_.Str(*v);
    if (a.api_version != "v1" && a.api_version != "v2")
      r_.Fail(*v, "expected Alertmanager api version to be one of [v1 v2] but got " +
                      GoQuote(a.api_version));
  }
  if (auto v = f.Get("relabel_configs"))
    a.relabel_configs = ParseRelabels(*v, "empty or null Alertmanager target relabeling rule");
  a.service_discovery = ParseSd(f);
  CheckTargets(a.service_discovery, f);
  return a;
}

RemoteWriteConfig Parser::ParseRemoteWrite(const YAML::Node& node) {
  RemoteWriteConfig w;
  Fields f(
      r_, node, "remote_write config",
      Concat({"url", "remote_timeout", "headers", "write_relabel_configs", "name", "send_exemplars",
              "send_native_histograms", "queue_config", "metadata_config", "sigv4"},
             kHttpClientKeys));
  if (auto v = f.Get("url")) w.url = ParseUrl(*v);
  if (auto v = f.Get("remote_timeout")) w.remote_timeout = r_.Dur(*v);
  if (auto v = f.Get("headers")) {
    w.headers = r_.StrMap(*v);
    CheckHeaders(w.headers, *v);
  }
  if (auto v = f.Get("write_relabel_configs"))
    w.write_relabel_configs =
        ParseRelabels(*v, "empty or null relabeling rule in remote write config");
  if (auto v = f.Get("name")) w.name = r_.Str(*v);
  if (auto v = f.Get("send_exemplars")) w.send_exemplars = r_.Bool(*v);
  if (auto v = f.Get("send_native_histograms")) w.send_native_histograms = r_.Bool(*v);
  w.http_client = ParseHttpClient(f);
  if (auto v = f.Get("queue_config")) {
    Fields q(r_, *v, "queue_config",
             {"capacity", "max_shards", "min_shards", "max_samples_per_send", "batch_send_deadline",
              "min_backoff", "max_backoff", "retry_on_http_429"});
    QueueConfig& c = w.queue_config;
    if (auto x = q.Get("capacity")) c.capacity = static_cast<int>(r_.Int(*x));
    if (auto x = q.Get("max_shards")) c.max_shards = static_cast<int>(r_.Int(*x));
    if (auto x = q.Get("min_shards")) c.min_shards = static_cast<int>(r_.Int(*x));
    if (auto x = q.Get("max_samples_per_send"))
      c.max_samples_per_send = static_cast<int>(r_.Int(*x));
    if (auto x = q.Get("batch_send_deadline")) c.batch_send_deadline = r_.Dur(*x);
    if (auto x = q.Get("min_backoff")) c.min_backoff = r_.Dur(*x);
    if (auto x = q.Get("max_backoff")) c.max_backoff = r_.Dur(*x);
    if (auto x = q.Get("retry_on_http_429")) c.retry_on_http_429 = r_.Bool(*x);
  }
  if (auto v = f.Get("metadata_config")) {
    Fields m(r_, *v, "metadata_config", {"send", "send_interval", "max_samples_per_send"});
    MetadataConfig& c = w.metadata_config;
    if (auto x = m.Get("send")) c.send = r_.Bool(*x);
    if (auto x = m.Get("send_interval")) c.send_interval = r_.Dur(*x);
    if (auto x = m.Get("max_samples_per_send"))
      c.max_samples_per_send = static_cast<int>(r_.Int(*x));
  }
  if (auto v = f.Get("sigv4")) {
    Fields s(r_, *v, "sigv4", {"region", "access_key", "secret_key", "profile", "role_arn"});
    Sigv4Config c;
    if (auto x = s.Get("region")) c.region = r_.Str(*x);
    if (auto x = s.Get("access_key")) c.access_key = r_.Str(*x);
    if (auto x = s.Get("secret_key")) c.secret_key = r_.Str(*x);
    if (auto x = s.Get("profile")) c.profile = r_.Str(*x);
    if (auto x = s.Get("role_arn")) c.role_arn = r_.Str(*x);
    if (c.access_key.empty() != c.secret_key.empty())
      r_.Fail(*v,
              "must provide a AWS SigV4 Access key and Secret Key if credentials are "
              "specified in the SigV4 config");
    w.sigv4 = c;
    if (w.http_client.basic_auth || w.http_client.authorization || w.http_client.oauth2)
      r_.Fail(node,
              "at most one of basic_auth, authorization, oauth2, & sigv4 must be "
              "configured");
  }
  if (w.url.empty()) r_.Fail(node, "url for remote_write is empty");
  return w;
}

RemoteReadConfig Parser::ParseRemoteRead(const YAML::Node& node) {
  RemoteReadConfig rr;
  Fields f(r_, node, "remote_read config",
           Concat({"url", "remote_timeout", "headers", "read_recent", "name", "required_matchers",
                   "filter_external_labels"},
                  kHttpClientKeys));
  if (auto v = f.Get("url")) rr.url = ParseUrl(*v);
  if (auto v = f.Get("remote_timeout")) rr.remote_timeout = r_.Dur(*v);
  if (auto v = f.Get("headers")) {
    rr.headers = r_.StrMap(*v);
    CheckHeaders(rr.headers, *v);
  }
  if (auto v = f.Get("read_recent")) rr.read_recent = r_.Bool(*v);
  if (auto v = f.Get("name")) rr.name = r_.Str(*v);
  if (auto v = f.Get("required_matchers")) rr.required_matchers = r_.Labels(*v);
  if (auto v = f.Get("filter_external_labels")) rr.filter_external_labels = r_.Bool(*v);
  rr.http_client = ParseHttpClient(f);
  if (rr.url.empty()) r_.Fail(node, "url for remote_read is empty");
  return rr;
}

StorageConfig Parser::ParseStorage(const YAML::Node& node) {
  StorageConfig s;
  Fields f(r_, node, "storage config", {"tsdb", "exemplars"});
  if (f.Has("tsdb")) {
    s.out_of_order_time_window = Duration{0};
    if (auto v = f.Get("tsdb")) {
      // Prometheus 2.42 prints the window also as "outofordertimewindow" (milliseconds);
      // it accepts that key back and ignores it.
      Fields t(r_, *v, "tsdb config", {"out_of_order_time_window", "outofordertimewindow"});
      if (auto x = t.Get("outofordertimewindow")) r_.Int(*x);
      if (auto x = t.Get("out_of_order_time_window")) s.out_of_order_time_window = r_.Dur(*x);
    }
  }
  if (f.Has("exemplars")) {
    s.max_exemplars = 0;
    if (auto v = f.Get("exemplars")) {
      Fields e(r_, *v, "exemplars config", {"max_exemplars"});
      if (auto x = e.Get("max_exemplars")) s.max_exemplars = r_.Int(*x);
    }
  }
  return s;
}

TracingConfig Parser::ParseTracing(const YAML::Node& node) {
  TracingConfig t;
  Fields f(r_, node, "tracing config",
           {"client_type", "endpoint", "sampling_fraction", "insecure", "tls_config", "headers",
            "compression", "timeout"});
  if (auto v = f.Get("client_type")) {
    t.client_type = r_.Str(*v);
    if (t.client_type.empty()) t.client_type = "grpc";
    if (t.client_type != "grpc" && t.client_type != "http")
      r_.Fail(*v,
              "expected tracing client type to be to be http or grpc, but got " + t.client_type);
  }
  if (auto v = f.Get("endpoint")) t.endpoint = r_.Str(*v);
  if (auto v = f.Get("sampling_fraction")) t.sampling_fraction = r_.Float(*v);
  if (auto v = f.Get("insecure")) t.insecure = r_.Bool(*v);
  if (auto v = f.Get("tls_config")) t.tls_config = ParseTls(*v);
  if (auto v = f.Get("headers")) t.headers = r_.StrMap(*v);
  if (auto v = f.Get("compression")) t.compression = r_.Str(*v);
  if (auto v = f.Get("timeout")) t.timeout = r_.Dur(*v);
  if (t.endpoint.empty()) r_.Fail(node, "tracing endpoint must be set");
  if (!t.compression.empty() && t.compression != "gzip")
    r_.Fail(f.Get("compression").value_or(node),
            "invalid compression type " + t.compression + " provided, valid options: gzip");
  return t;
}

}  // namespace

Result<Config> ParseConfig(std::string_view yaml_text, const std::string& filename) {
  YamlReader reader(filename);
  try {
    YAML::Node root = YAML::Load(std::string(yaml_text));
    Parser parser(reader);
    return parser.ParseRoot(root);
  } catch (const internal::ParseError& e) {
    return Error(e.what());
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) return Error(filename + ": " + e.msg);
    return Error(filename + ":" + std::to_string(e.mark.line + 1) + ":" +
                 std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

}  // namespace tsdbd::config
