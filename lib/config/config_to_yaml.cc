// ConfigToYaml: prints a Config with the keys, defaults and omissions of Prometheus 2.42's
// /api/v1/status/config.
#include <charconv>
#include <cmath>

#include "lib/config/config.h"
#include "lib/config/yaml_writer.h"
#include "lib/model/byte_size.h"

namespace tsdbd::config {
namespace {

using internal::YamlValue;

constexpr const char* kSecret = "<secret>";

YamlValue Str(const std::string& s) {
  return YamlValue::String(s);
}
YamlValue Dur(Duration d) {
  return YamlValue::Raw(FormatDuration(d));
}
YamlValue Bool(bool b) {
  return YamlValue::Raw(b ? "true" : "false");
}
template <typename T>
YamlValue Num(T n) {
  return YamlValue::Raw(std::to_string(n));
}

// Go's strconv.FormatFloat(f, 'g', -1, 64), as yaml.v2 prints floats.
YamlValue Float(double f) {
  if (std::isnan(f)) return YamlValue::Raw(".nan");
  if (std::isinf(f)) return YamlValue::Raw(f > 0 ? "+.inf" : "-.inf");
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), f, std::chars_format::scientific);
  std::string sci(buf, res.ptr);  // d.ddddde[+-]XX
  size_t e = sci.find('e');
  std::string mantissa = sci.substr(0, e);
  int exp = std::stoi(sci.substr(e + 1));
  std::string digits;
  bool neg = false;
  for (char c : mantissa) {
    if (c == '-')
      neg = true;
    else if (c != '.')
      digits += c;
  }
  std::string out = neg ? "-" : "";
  if (exp < -4 || exp >= 21) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out.append(".").append(digits, 1);
    char eb[16];
    std::snprintf(eb, sizeof(eb), "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
    return YamlValue::Raw(out + eb);
  }
  if (exp < 0) {
    out.append("0.");
    out.append(static_cast<size_t>(-exp - 1), '0');
    out.append(digits);
  } else if (static_cast<int>(digits.size()) <= exp + 1) {
    out += digits + std::string(exp + 1 - digits.size(), '0');
  } else {
    out.append(digits, 0, exp + 1).append(".").append(digits, exp + 1);
  }
  return YamlValue::Raw(out);
}

YamlValue StrMap(const std::map<std::string, std::string>& m) {
  YamlValue v = YamlValue::Map();
  for (const auto& [k, val] : m) v.Add(k, Str(val));
  return v;
}

YamlValue StrList(const std::vector<std::string>& list) {
  YamlValue v = YamlValue::Seq();
  for (const auto& s : list) v.Push(Str(s));
  return v;
}

void AddIf(YamlValue& m, const char* key, const std::string& s) {
  if (!s.empty()) m.Add(key, Str(s));
}

YamlValue Tls(const TlsConfig& t) {
  YamlValue v = YamlValue::Map();
  AddIf(v, "ca_file", t.ca_file);
  AddIf(v, "cert_file", t.cert_file);
  AddIf(v, "key_file", t.key_file);
  AddIf(v, "server_name", t.server_name);
  v.Add("insecure_skip_verify", Bool(t.insecure_skip_verify));
  if (t.min_version) v.Add("min_version", Num(t.min_version));
  if (t.max_version) v.Add("max_version", Num(t.max_version));
  return v;
}

void AddHttpClient(YamlValue& m, const HttpClientConfig& h) {
  if (h.basic_auth) {
    YamlValue b = YamlValue::Map();
    b.Add("username", Str(h.basic_auth->username));
    if (!h.basic_auth->password.empty()) b.Add("password", Str(kSecret));
    AddIf(b, "password_file", h.basic_auth->password_file);
    m.Add("basic_auth", std::move(b));
  }
  if (h.authorization) {
    YamlValue a = YamlValue::Map();
    AddIf(a, "type", h.authorization->type);
    if (!h.authorization->credentials.empty()) a.Add("credentials", Str(kSecret));
    AddIf(a, "credentials_file", h.authorization->credentials_file);
    m.Add("authorization", std::move(a));
  }
  if (h.oauth2) {
    const OAuth2& o = *h.oauth2;
    YamlValue a = YamlValue::Map();
    a.Add("client_id", Str(o.client_id));
    a.Add("client_secret", Str(o.client_secret.empty() ? "" : kSecret));
    a.Add("client_secret_file", Str(o.client_secret_file));
    if (!o.scopes.empty()) a.Add("scopes", StrList(o.scopes));
    a.Add("token_url", Str(o.token_url));
    if (!o.endpoint_params.empty()) a.Add("endpoint_params", StrMap(o.endpoint_params));
    AddIf(a, "proxy_url", o.proxy_url);
    if (!o.tls_config.IsZero()) a.Add("tls_config", Tls(o.tls_config));
    m.Add("oauth2", std::move(a));
  }
  AddIf(m, "proxy_url", h.proxy_url);
  if (!h.proxy_connect_header.empty()) {
    YamlValue p = YamlValue::Map();
    for (const auto& [name, values] : h.proxy_connect_header) {
      YamlValue list = YamlValue::Seq();
      for (size_t i = 0; i < values.size(); ++i) list.Push(Str(kSecret));
      p.Add(name, std::move(list));
    }
    m.Add("proxy_connect_header", std::move(p));
  }
  if (!h.tls_config.IsZero()) m.Add("tls_config", Tls(h.tls_config));
  m.Add("follow_redirects", Bool(h.follow_redirects));
  m.Add("enable_http2", Bool(h.enable_http2));
}

YamlValue Relabels(const std::vector<RelabelConfig>& rules) {
  YamlValue list = YamlValue::Seq();
  for (const auto& r : rules) {
    YamlValue v = YamlValue::Map();
    if (!r.source_labels.empty()) {
      YamlValue s = YamlValue::Seq(/*flow=*/true);
      for (const auto& l : r.source_labels) s.Push(Str(l));
      v.Add("source_labels", std::move(s));
    }
    AddIf(v, "separator", r.separator);
    if (r.regex_null)
      v.Add("regex", YamlValue::Raw("null"));
    else
      v.Add("regex", Str(r.regex_text));
    if (r.modulus) v.Add("modulus", Num(r.modulus));
    AddIf(v, "target_label", r.target_label);
    AddIf(v, "replacement", r.replacement);
    v.Add("action", Str(RelabelActionName(r.action)));
    list.Push(std::move(v));
  }
  return list;
}

void AddServiceDiscovery(YamlValue& m, const ServiceDiscovery& sd) {
  if (!sd.dns_sd_configs.empty()) {
    YamlValue list = YamlValue::Seq();
    for (const auto& d : sd.dns_sd_configs) {
      YamlValue v = YamlValue::Map();
      v.Add("names", StrList(d.names));
      if (d.refresh_interval.count()) v.Add("refresh_interval", Dur(d.refresh_interval));
      AddIf(v, "type", d.type);
      v.Add("port", Num(d.port));
      list.Push(std::move(v));
    }
    m.Add("dns_sd_configs", std::move(list));
  }
  if (!sd.file_sd_configs.empty()) {
    YamlValue list = YamlValue::Seq();
    for (const auto& f : sd.file_sd_configs) {
      YamlValue v = YamlValue::Map();
      v.Add("files", StrList(f.files));
      if (f.refresh_interval.count()) v.Add("refresh_interval", Dur(f.refresh_interval));
      list.Push(std::move(v));
    }
    m.Add("file_sd_configs", std::move(list));
  }
  if (!sd.static_configs.empty()) {
    YamlValue list = YamlValue::Seq();
    for (const auto& s : sd.static_configs) {
      YamlValue v = YamlValue::Map();
      v.Add("targets", StrList(s.targets));
      if (!s.labels.empty()) v.Add("labels", StrMap(s.labels));
      list.Push(std::move(v));
    }
    m.Add("static_configs", std::move(list));
  }
}

YamlValue Scrape(const ScrapeConfig& s) {
  YamlValue v = YamlValue::Map();
  v.Add("job_name", Str(s.job_name));
  if (s.honor_labels) v.Add("honor_labels", Bool(true));
  v.Add("honor_timestamps", Bool(s.honor_timestamps));
  if (!s.params.empty()) {
    YamlValue p = YamlValue::Map();
    for (const auto& [k, values] : s.params) p.Add(k, StrList(values));
    v.Add("params", std::move(p));
  }
  v.Add("scrape_interval", Dur(s.scrape_interval));
  v.Add("scrape_timeout", Dur(s.scrape_timeout));
  AddIf(v, "metrics_path", s.metrics_path);
  AddIf(v, "scheme", s.scheme);
  if (s.body_size_limit) v.Add("body_size_limit", Str(FormatByteSize(s.body_size_limit)));
  if (s.sample_limit) v.Add("sample_limit", Num(s.sample_limit));
  if (s.target_limit) v.Add("target_limit", Num(s.target_limit));
  if (s.label_limit) v.Add("label_limit", Num(s.label_limit));
  if (s.label_name_length_limit) v.Add("label_name_length_limit", Num(s.label_name_length_limit));
  if (s.label_value_length_limit)
    v.Add("label_value_length_limit", Num(s.label_value_length_limit));
  AddHttpClient(v, s.http_client);
  if (!s.relabel_configs.empty()) v.Add("relabel_configs", Relabels(s.relabel_configs));
  if (!s.metric_relabel_configs.empty())
    v.Add("metric_relabel_configs", Relabels(s.metric_relabel_configs));
  AddServiceDiscovery(v, s.service_discovery);
  return v;
}

YamlValue Alerting(const AlertingConfig& a) {
  YamlValue v = YamlValue::Map();
  if (!a.alert_relabel_configs.empty())
    v.Add("alert_relabel_configs", Relabels(a.alert_relabel_configs));
  if (!a.alertmanagers.empty()) {
    YamlValue list = YamlValue::Seq();
    for (const auto& am : a.alertmanagers) {
      YamlValue m = YamlValue::Map();
      AddHttpClient(m, am.http_client);
      AddIf(m, "scheme", am.scheme);
      AddIf(m, "path_prefix", am.path_prefix);
      m.Add("timeout", Dur(am.timeout));
      m.Add("api_version", Str(am.api_version));
      if (!am.relabel_configs.empty()) m.Add("relabel_configs", Relabels(am.relabel_configs));
      AddServiceDiscovery(m, am.service_discovery);
      list.Push(std::move(m));
    }
    v.Add("alertmanagers", std::move(list));
  }
  return v;
}

YamlValue RemoteWrite(const RemoteWriteConfig& w) {
  YamlValue v = YamlValue::Map();
  v.Add("url", Str(w.url));
  if (w.remote_timeout.count()) v.Add("remote_timeout", Dur(w.remote_timeout));
  if (!w.headers.empty()) v.Add("headers", StrMap(w.headers));
  if (!w.write_relabel_configs.empty())
    v.Add("write_relabel_configs", Relabels(w.write_relabel_configs));
  AddIf(v, "name", w.name);
  if (w.send_exemplars) v.Add("send_exemplars", Bool(true));
  if (w.send_native_histograms) v.Add("send_native_histograms", Bool(true));
  AddHttpClient(v, w.http_client);
  const QueueConfig& q = w.queue_config;
  YamlValue qv = YamlValue::Map();
  qv.Add("capacity", Num(q.capacity));
  qv.Add("max_shards", Num(q.max_shards));
  qv.Add("min_shards", Num(q.min_shards));
  qv.Add("max_samples_per_send", Num(q.max_samples_per_send));
  qv.Add("batch_send_deadline", Dur(q.batch_send_deadline));
  qv.Add("min_backoff", Dur(q.min_backoff));
  qv.Add("max_backoff", Dur(q.max_backoff));
  if (q.retry_on_http_429) qv.Add("retry_on_http_429", Bool(true));
  v.Add("queue_config", std::move(qv));
  const MetadataConfig& md = w.metadata_config;
  YamlValue mv = YamlValue::Map();
  mv.Add("send", Bool(md.send));
  mv.Add("send_interval", Dur(md.send_interval));
  mv.Add("max_samples_per_send", Num(md.max_samples_per_send));
  v.Add("metadata_config", std::move(mv));
  if (w.sigv4) {
    YamlValue s = YamlValue::Map();
    AddIf(s, "region", w.sigv4->region);
    AddIf(s, "access_key", w.sigv4->access_key);
    if (!w.sigv4->secret_key.empty()) s.Add("secret_key", Str(kSecret));
    AddIf(s, "profile", w.sigv4->profile);
    AddIf(s, "role_arn", w.sigv4->role_arn);
    v.Add("sigv4", std::move(s));
  }
  return v;
}

YamlValue RemoteRead(const RemoteReadConfig& r) {
  YamlValue v = YamlValue::Map();
  v.Add("url", Str(r.url));
  if (r.remote_timeout.count()) v.Add("remote_timeout", Dur(r.remote_timeout));
  if (!r.headers.empty()) v.Add("headers", StrMap(r.headers));
  if (r.read_recent) v.Add("read_recent", Bool(true));
  AddIf(v, "name", r.name);
  AddHttpClient(v, r.http_client);
  if (!r.required_matchers.empty()) v.Add("required_matchers", StrMap(r.required_matchers));
  v.Add("filter_external_labels", Bool(r.filter_external_labels));
  return v;
}

}  // namespace

std::string ConfigToYaml(const Config& c) {
  YamlValue root = YamlValue::Map();
  YamlValue g = YamlValue::Map();
  g.Add("scrape_interval", Dur(c.global.scrape_interval));
  g.Add("scrape_timeout", Dur(c.global.scrape_timeout));
  g.Add("evaluation_interval", Dur(c.global.evaluation_interval));
  AddIf(g, "query_log_file", c.global.query_log_file);
  if (!c.global.external_labels.empty()) g.Add("external_labels", StrMap(c.global.external_labels));
  root.Add("global", std::move(g));

  YamlValue alerting = Alerting(c.alerting);
  if (!alerting.empty()) root.Add("alerting", std::move(alerting));
  if (!c.rule_files.empty()) root.Add("rule_files", StrList(c.rule_files));
  if (!c.scrape_configs.empty()) {
    YamlValue list = YamlValue::Seq();
    for (const auto& s : c.scrape_configs) list.Push(Scrape(s));
    root.Add("scrape_configs", std::move(list));
  }
  if (c.storage.out_of_order_time_window || c.storage.max_exemplars) {
    YamlValue s = YamlValue::Map();
    if (c.storage.out_of_order_time_window) {
      YamlValue t = YamlValue::Map();
      // Prometheus 2.42 prints the window twice: as milliseconds and as a duration.
      t.Add("outofordertimewindow", Num(c.storage.out_of_order_time_window->count()));
      if (c.storage.out_of_order_time_window->count())
        t.Add("out_of_order_time_window", Dur(*c.storage.out_of_order_time_window));
      s.Add("tsdb", std::move(t));
    }
    if (c.storage.max_exemplars) {
      YamlValue e = YamlValue::Map();
      if (*c.storage.max_exemplars) e.Add("max_exemplars", Num(*c.storage.max_exemplars));
      s.Add("exemplars", std::move(e));
    }
    root.Add("storage", std::move(s));
  }
  if (!(c.tracing == TracingConfig{})) {
    const TracingConfig& t = c.tracing;
    YamlValue v = YamlValue::Map();
    v.Add("client_type", Str(t.client_type));
    AddIf(v, "endpoint", t.endpoint);
    if (t.sampling_fraction != 0) v.Add("sampling_fraction", Float(t.sampling_fraction));
    if (t.insecure) v.Add("insecure", Bool(true));
    if (!t.tls_config.IsZero()) v.Add("tls_config", Tls(t.tls_config));
    if (!t.headers.empty()) v.Add("headers", StrMap(t.headers));
    AddIf(v, "compression", t.compression);
    if (t.timeout.count()) v.Add("timeout", Dur(t.timeout));
    root.Add("tracing", std::move(v));
  }
  if (!c.remote_write.empty()) {
    YamlValue list = YamlValue::Seq();
    for (const auto& w : c.remote_write) list.Push(RemoteWrite(w));
    root.Add("remote_write", std::move(list));
  }
  if (!c.remote_read.empty()) {
    YamlValue list = YamlValue::Seq();
    for (const auto& r : c.remote_read) list.Push(RemoteRead(r));
    root.Add("remote_read", std::move(list));
  }
  return root.Emit();
}

}  // namespace tsdbd::config
