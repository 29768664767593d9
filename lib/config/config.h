// prometheus.yml as typed structs, with Prometheus 2.42's defaults filled in.
//
// Every field holds its effective value after loading: a scrape config's interval and
// timeout already inherit from global, relative file paths are already joined with the
// config file's directory (when loaded from a file).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/config/http_client_config.h"
#include "lib/config/relabel_config.h"
#include "lib/model/duration.h"
#include "lib/model/result.h"

namespace tsdbd::config {

using std::chrono_literals::operator""s;
using std::chrono_literals::operator""ms;
using std::chrono_literals::operator""min;
using std::chrono_literals::operator""h;

// Label sets keep Prometheus's order: sorted by name.
using LabelSet = std::map<std::string, std::string>;

struct GlobalConfig {
  Duration scrape_interval = 1min;
  Duration scrape_timeout = 10s;
  Duration evaluation_interval = 1min;
  std::string query_log_file;
  LabelSet external_labels;
  bool operator==(const GlobalConfig&) const = default;
};

struct StaticConfig {
  std::vector<std::string> targets;
  LabelSet labels;
  bool operator==(const StaticConfig&) const = default;
};

struct DnsSdConfig {
  std::vector<std::string> names;
  Duration refresh_interval = 30s;
  std::string type = "SRV";  // SRV, A, AAAA or MX.
  int port = 0;              // Required (non-zero) for A, AAAA and MX.
  bool operator==(const DnsSdConfig&) const = default;
};

struct FileSdConfig {
  std::vector<std::string> files;  // Globs; the last path element may hold a '*'.
  Duration refresh_interval = 5min;
  bool operator==(const FileSdConfig&) const = default;
};

// Service discovery mechanisms a scrape job or Alertmanager list may use.
struct ServiceDiscovery {
  std::vector<DnsSdConfig> dns_sd_configs;
  std::vector<FileSdConfig> file_sd_configs;
  std::vector<StaticConfig> static_configs;
  bool operator==(const ServiceDiscovery&) const = default;
};

struct ScrapeConfig {
  std::string job_name;
  bool honor_labels = false;
  bool honor_timestamps = true;
  // URL query parameters, in name order.
  std::map<std::string, std::vector<std::string>> params;
  Duration scrape_interval{0};  // Inherits global.scrape_interval when absent.
  Duration scrape_timeout{0};   // Inherits global.scrape_timeout, capped at the interval.
  std::string metrics_path = "/metrics";
  std::string scheme = "http";
  int64_t body_size_limit = 0;  // Bytes; 0 = unlimited.
  uint64_t sample_limit = 0;
  uint64_t target_limit = 0;
  uint64_t label_limit = 0;
  uint64_t label_name_length_limit = 0;
  uint64_t label_value_length_limit = 0;
  HttpClientConfig http_client;
  std::vector<RelabelConfig> relabel_configs;
  std::vector<RelabelConfig> metric_relabel_configs;
  ServiceDiscovery service_discovery;
  bool operator==(const ScrapeConfig&) const = default;
};

struct AlertmanagerConfig {
  HttpClientConfig http_client;
  std::string scheme = "http";
  std::string path_prefix;
  Duration timeout = 10s;
  std::string api_version = "v2";  // v1 or v2.
  std::vector<RelabelConfig> relabel_configs;
  ServiceDiscovery service_discovery;
  bool operator==(const AlertmanagerConfig&) const = default;
};

struct AlertingConfig {
  std::vector<RelabelConfig> alert_relabel_configs;
  std::vector<AlertmanagerConfig> alertmanagers;
  bool operator==(const AlertingConfig&) const = default;
};

struct QueueConfig {
  int capacity = 2500;
  int max_shards = 200;
  int min_shards = 1;
  int max_samples_per_send = 500;
  Duration batch_send_deadline = 5s;
  Duration min_backoff = 30ms;
  Duration max_backoff = 5s;
  bool retry_on_http_429 = false;
  bool operator==(const QueueConfig&) const = default;
};

struct MetadataConfig {
  bool send = true;
  Duration send_interval = 1min;
  int max_samples_per_send = 500;
  bool operator==(const MetadataConfig&) const = default;
};

// AWS Signature Version 4 signing for remote write.
struct Sigv4Config {
  std::string region;
  std::string access_key;
  std::string secret_key;  // Secret.
  std::string profile;
  std::string role_arn;
  bool operator==(const Sigv4Config&) const = default;
};

struct RemoteWriteConfig {
  std::string url;
  Duration remote_timeout = 30s;
  std::map<std::string, std::string> headers;
  std::vector<RelabelConfig> write_relabel_configs;
  std::string name;
  bool send_exemplars = false;
  bool send_native_histograms = false;
  HttpClientConfig http_client;
  QueueConfig queue_config;
  MetadataConfig metadata_config;
  std::optional<Sigv4Config> sigv4;
  bool operator==(const RemoteWriteConfig&) const = default;
};

struct RemoteReadConfig {
  std::string url;
  Duration remote_timeout = 1min;
  std::map<std::string, std::string> headers;
  bool read_recent = false;
  std::string name;
  HttpClientConfig http_client;
  LabelSet required_matchers;
  bool filter_external_labels = true;
  bool operator==(const RemoteReadConfig&) const = default;
};

struct StorageConfig {
  // Set when the file has a storage.tsdb section.
  std::optional<Duration> out_of_order_time_window;
  // Set when the file has a storage.exemplars section (Prometheus's default is 100000).
  std::optional<int64_t> max_exemplars;
  bool operator==(const StorageConfig&) const = default;
};

struct TracingConfig {
  std::string client_type = "grpc";  // grpc or http.
  std::string endpoint;
  double sampling_fraction = 0;
  bool insecure = false;
  TlsConfig tls_config;
  std::map<std::string, std::string> headers;
  std::string compression;  // "" or gzip.
  Duration timeout{0};
  bool operator==(const TracingConfig&) const = default;
};

struct Config {
  GlobalConfig global;
  AlertingConfig alerting;
  std::vector<std::string> rule_files;
  std::vector<ScrapeConfig> scrape_configs;
  StorageConfig storage;
  TracingConfig tracing;
  std::vector<RemoteWriteConfig> remote_write;
  std::vector<RemoteReadConfig> remote_read;
  bool operator==(const Config&) const = default;
};

// Parses and validates a config the way Prometheus 2.42 does (same accept/reject
// decisions). Errors read "<filename>:<line>:<column>: <what is wrong>". Relative paths
// are left as written.
Result<Config> ParseConfig(std::string_view yaml_text, const std::string& filename);

// Reads `path`, parses it, and joins relative paths in it (rule_files, file_sd files,
// credential and TLS files, query log) with the file's directory, as Prometheus does.
Result<Config> LoadConfigFile(const std::string& path);

// Joins every relative path in `config` with `dir` (what LoadConfigFile does).
void SetConfigDirectory(Config& config, const std::string& dir);

// The YAML Prometheus serves at /api/v1/status/config for the same config: defaults filled
// in, secrets as <secret>, keys in Prometheus's order.
std::string ConfigToYaml(const Config& config);

}  // namespace tsdbd::config
