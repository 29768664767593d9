#include "cmd/tsdbd/flags.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <string_view>

#include "lib/model/byte_size.h"

namespace tsdbd {
namespace {

// kList joins repeated values with ","; kAddresses keeps them apart (IP:port each).
enum class Kind { kString, kBool, kDuration, kInt, kBytes, kList, kEnum, kAddresses };

struct FlagSpec {
  std::string_view name;
  Kind kind;
  std::string_view default_value;
  std::string_view help;
  bool hidden = false;
  std::vector<std::string_view> choices = {};  // for kEnum
  bool prometheus = true;  // false: tsdbd's own flag, left out of /api/v1/status/flags
};

// Prometheus 2.42's flags, upstream defaults. Flags of parts tsdbd does not have yet are
// accepted and shown in /api/v1/status/flags all the same.
const std::vector<FlagSpec>& Specs() {
  static const std::vector<FlagSpec> specs = {
      {"config.file", Kind::kString, "prometheus.yml", "Prometheus configuration file path."},
      {"web.listen-address", Kind::kString, "0.0.0.0:9090",
       "Address to listen on for UI, API, and telemetry."},
      {"web.config.file", Kind::kString, "",
       "[EXPERIMENTAL] Path to configuration file that can enable TLS or authentication."},
      {"web.read-timeout", Kind::kDuration, "5m",
       "Maximum duration before timing out read of the request, and closing idle connections."},
      {"web.max-connections", Kind::kInt, "512", "Maximum number of simultaneous connections."},
      {"web.external-url", Kind::kString, "",
       "The URL under which Prometheus is externally reachable. If the URL has a path portion, "
       "it will be used to prefix all HTTP endpoints served by Prometheus."},
      {"web.route-prefix", Kind::kString, "",
       "Prefix for the internal routes of web endpoints. Defaults to path of --web.external-url."},
      {"web.user-assets", Kind::kString, "", "Path to user asset directory, available at /user."},
      {"web.enable-lifecycle", Kind::kBool, "false",
       "Enable shutdown and reload via HTTP request."},
      {"web.enable-admin-api", Kind::kBool, "false",
       "Enable API endpoints for admin control actions."},
      {"web.enable-remote-write-receiver", Kind::kBool, "false",
       "Enable API endpoint accepting remote write requests."},
      {"web.console.templates", Kind::kString, "consoles",
       "Path to the console template directory, available at /consoles."},
      {"web.console.libraries", Kind::kString, "console_libraries",
       "Path to the console library directory."},
      {"web.page-title", Kind::kString, "Prometheus Time Series Collection and Processing Server",
       "Document title of Prometheus instance."},
      {"web.cors.origin", Kind::kString, ".*", "Regex for CORS origin. It is fully anchored."},
      {"storage.tsdb.path", Kind::kString, "data/", "Base path for metrics storage."},
      {"storage.tsdb.retention", Kind::kDuration, "",
       "[DEPRECATED] How long to retain samples in storage. Use storage.tsdb.retention.time."},
      {"storage.tsdb.retention.time", Kind::kDuration, "",
       "How long to retain samples in storage. If neither this flag nor "
       "storage.tsdb.retention.size is set, the retention time defaults to 15d. Units "
       "supported: y, w, d, h, m, s, ms."},
      {"storage.tsdb.retention.size", Kind::kBytes, "",
       "Maximum number of bytes that can be stored for blocks. A unit is required, supported "
       "units: B, KB, MB, GB, TB, PB, EB. Ex: \"512MB\". Based on powers-of-2, so 1KB is 1024B."},
      {"storage.tsdb.no-lockfile", Kind::kBool, "false",
       "Do not create lockfile in data directory."},
      {"storage.tsdb.head-chunks-write-queue-size", Kind::kInt, "0",
       "Size of the queue through which head chunks are written to the disk. Experimental."},
      {"storage.tsdb.min-block-duration", Kind::kDuration, "2h",
       "Minimum duration of a data block before being persisted.", true},
      {"storage.tsdb.max-block-duration", Kind::kDuration, "",
       "Maximum duration compacted blocks may span. Defaults to 10% of the retention period.",
       true},
      {"storage.tsdb.max-block-chunk-segment-size", Kind::kBytes, "",
       "The maximum size for a single chunk segment in a block.", true},
      {"storage.tsdb.wal-segment-size", Kind::kBytes, "",
       "Size at which to split the tsdb WAL segment files.", true},
      {"storage.tsdb.allow-overlapping-blocks", Kind::kBool, "true",
       "[DEPRECATED] This flag has no effect. Overlapping blocks are enabled by default now.",
       true},
      {"storage.tsdb.wal-compression", Kind::kBool, "true", "Compress the tsdb WAL.", true},
      {"storage.agent.path", Kind::kString, "data-agent/", "Base path for metrics storage."},
      {"storage.agent.wal-compression", Kind::kBool, "true", "Compress the agent WAL."},
      {"storage.agent.retention.min-time", Kind::kDuration, "",
       "Minimum age samples may be before being considered for deletion when the WAL is "
       "truncated."},
      {"storage.agent.retention.max-time", Kind::kDuration, "",
       "Maximum age samples may be before being forcibly deleted when the WAL is truncated."},
      {"storage.agent.no-lockfile", Kind::kBool, "false",
       "Do not create lockfile in data directory."},
      {"storage.agent.wal-segment-size", Kind::kBytes, "",
       "Size at which to split WAL segment files.", true},
      {"storage.agent.wal-truncate-frequency", Kind::kDuration, "",
       "The frequency at which to truncate the WAL and remove old data.", true},
      {"storage.remote.flush-deadline", Kind::kDuration, "1m",
       "How long to wait flushing sample on shutdown or config reload."},
      {"storage.remote.read-sample-limit", Kind::kInt, "50000000",
       "Maximum overall number of samples to return via the remote read interface, in a single "
       "query. 0 means no limit."},
      {"storage.remote.read-concurrent-limit", Kind::kInt, "10",
       "Maximum number of concurrent remote read calls. 0 means no limit."},
      {"storage.remote.read-max-bytes-in-frame", Kind::kInt, "1048576",
       "Maximum number of bytes in a single frame for streaming remote read response types."},
      {"rules.alert.for-outage-tolerance", Kind::kDuration, "1h",
       "Max time to tolerate prometheus outage for restoring \"for\" state of alert."},
      {"rules.alert.for-grace-period", Kind::kDuration, "10m",
       "Minimum duration between alert and restored \"for\" state."},
      {"rules.alert.resend-delay", Kind::kDuration, "1m",
       "Minimum amount of time to wait before resending an alert to Alertmanager."},
      {"scrape.adjust-timestamps", Kind::kBool, "true",
       "Adjust scrape timestamps by up to scrape.timestamp-tolerance to align them to the "
       "intended schedule.",
       true},
      {"scrape.timestamp-tolerance", Kind::kDuration, "2ms", "Timestamp tolerance.", true},
      {"scrape.discovery-reload-interval", Kind::kDuration, "5s",
       "Interval used by scrape manager to throttle target groups updates.", true},
      {"alertmanager.notification-queue-capacity", Kind::kInt, "10000",
       "The capacity of the queue for pending Alertmanager notifications."},
      // A string in Prometheus 2.42, kept as given and otherwise ignored.
      {"alertmanager.timeout", Kind::kString, "", "Timeout for sending alerts to Alertmanager.",
       true},
      {"query.lookback-delta", Kind::kDuration, "5m",
       "The maximum lookback duration for retrieving metrics during expression evaluations "
       "and federation."},
      {"query.timeout", Kind::kDuration, "2m",
       "Maximum time a query may take before being aborted."},
      {"query.max-concurrency", Kind::kInt, "20",
       "Maximum number of queries executed concurrently."},
      {"query.max-samples", Kind::kInt, "50000000",
       "Maximum number of samples a single query can load into memory."},
      {"enable-feature", Kind::kList, "", "Comma separated feature names to enable."},
      {"log.level",
       Kind::kEnum,
       "info",
       "Only log messages with the given severity or above. One of: [debug, info, warn, error]",
       false,
       {"debug", "info", "warn", "error"}},
      {"log.format",
       Kind::kEnum,
       "logfmt",
       "Output format of log messages. One of: [logfmt, json]",
       false,
       {"logfmt", "json"}},
      // Prometheus has no way to pick DNS servers; tests need one (dnsmasq on a free port).
      {"discovery.dns.server",
       Kind::kAddresses,
       "",
       "Name server for dns_sd_configs as IP:port, replacing those of /etc/resolv.conf "
       "(repeatable).",
       true,
       {},
       false},
  };
  return specs;
}

const FlagSpec* FindSpec(std::string_view name) {
  for (const FlagSpec& s : Specs()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::optional<int64_t> ParseInt(std::string_view s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) {
    // Prometheus's integer flags also take float notation such as 5e7.
    double d = 0;
    auto [fend, fec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (fec != std::errc() || fend != s.data() + s.size() || d != static_cast<int64_t>(d)) {
      return std::nullopt;
    }
    v = static_cast<int64_t>(d);
  }
  return v;
}

// "a.b.c.d:port" or "[v6]:port" with a port in 1..65535.
bool IsIpAndPort(std::string_view s) {
  const size_t colon = s.rfind(':');
  if (colon == std::string_view::npos) return false;
  std::string host(s.substr(0, colon));
  const std::string_view port = s.substr(colon + 1);
  int p = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (ec != std::errc() || end != port.data() + port.size() || p < 1 || p > 65535) return false;
  unsigned char buf[16];
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    return inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), buf) == 1;
  }
  return inet_pton(AF_INET, host.c_str(), buf) == 1;
}

// Checks one value against its flag's kind; returns the value as the status page shows it.
Result<std::string> Normalize(const FlagSpec& spec, const std::string& value) {
  const auto bad = [&](std::string_view why) {
    return Error(fmt::format("invalid value \"{}\" for flag '--{}': {}", value, spec.name, why));
  };
  switch (spec.kind) {
    case Kind::kString:
    case Kind::kList:
      return value;
    case Kind::kBool:
      if (value == "true" || value == "false") return value;
      return bad("expected true or false");
    case Kind::kDuration: {
      if (value.empty()) return std::string("0s");
      auto d = ParseDuration(value);
      if (!d.ok()) return bad(d.error().message());
      return FormatDuration(*d);
    }
    case Kind::kBytes: {
      if (value.empty()) return std::string("0B");
      auto b = ParseByteSize(value);
      if (!b.ok()) return bad(b.error().message());
      return FormatByteSize(*b);
    }
    case Kind::kInt: {
      auto v = ParseInt(value);
      if (!v) return bad("expected an integer");
      return std::to_string(*v);
    }
    case Kind::kEnum:
      if (std::find(spec.choices.begin(), spec.choices.end(), value) != spec.choices.end()) {
        return value;
      }
      return bad(fmt::format("must be one of [{}]", fmt::join(spec.choices, ", ")));
    case Kind::kAddresses:
      if (IsIpAndPort(value)) return value;
      return bad("expected IP:port, such as 127.0.0.1:53 or [::1]:53");
  }
  return value;
}

// The route prefix Prometheus derives: the flag, else the external URL's path; always
// starting with "/" and without a trailing "/".
std::string RoutePrefix(const std::string& flag, const std::string& external_url) {
  std::string prefix = flag;
  if (prefix.empty()) {
    const size_t scheme = external_url.find("://");
    const size_t path = external_url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    if (path != std::string::npos) prefix = external_url.substr(path);
  }
  if (prefix.empty() || prefix[0] != '/') prefix = "/" + prefix;
  while (prefix.size() > 1 && prefix.back() == '/') prefix.pop_back();
  return prefix;
}

constexpr Duration kDefaultRetention = std::chrono::hours(24 * 15);
constexpr Duration kMaxRetention = std::chrono::hours(24 * 365 * 100);
constexpr Duration kMaxBlockDurationCap = std::chrono::hours(24 * 31);

Result<Flags> BuildFlags(std::map<std::string, std::string> raw,
                         const std::map<std::string, bool>& explicitly_set) {
  const auto str = [&](std::string_view n) { return raw.at(std::string(n)); };
  const auto dur = [&](std::string_view n) {
    const std::string& v = raw.at(std::string(n));
    return v.empty() ? Duration(0) : *ParseDuration(v);
  };
  const auto bytes = [&](std::string_view n) {
    const std::string& v = raw.at(std::string(n));
    return v.empty() ? int64_t{0} : *ParseByteSize(v);
  };
  const auto integer = [&](std::string_view n) { return *ParseInt(raw.at(std::string(n))); };
  const auto boolean = [&](std::string_view n) { return raw.at(std::string(n)) == "true"; };
  const auto set = [&](std::string_view n) { return explicitly_set.contains(std::string(n)); };

  Flags f;
  f.config_file = str("config.file");
  f.listen_address = str("web.listen-address");
  f.web_config_file = str("web.config.file");
  f.read_timeout = dur("web.read-timeout");
  f.max_connections = static_cast<int>(integer("web.max-connections"));
  f.external_url = str("web.external-url");
  f.route_prefix = RoutePrefix(str("web.route-prefix"), f.external_url);
  f.enable_lifecycle = boolean("web.enable-lifecycle");
  f.enable_admin_api = boolean("web.enable-admin-api");
  f.enable_remote_write_receiver = boolean("web.enable-remote-write-receiver");
  f.page_title = str("web.page-title");
  f.cors_origin = str("web.cors.origin");

  f.storage_path = str("storage.tsdb.path");
  f.retention_size = bytes("storage.tsdb.retention.size");
  // Retention as Prometheus resolves it: the new flag wins over the deprecated one; with
  // neither and no size limit, 15 days; never beyond 100 years.
  if (set("storage.tsdb.retention.time")) {
    f.retention_time = dur("storage.tsdb.retention.time");
  } else if (set("storage.tsdb.retention")) {
    f.retention_time = dur("storage.tsdb.retention");
  }
  if (f.retention_time == Duration(0) && f.retention_size == 0)
    f.retention_time = kDefaultRetention;
  if (f.retention_time > kMaxRetention || f.retention_time < Duration(0)) {
    f.retention_time = kMaxRetention;
  }
  f.no_lockfile = boolean("storage.tsdb.no-lockfile");
  f.min_block_duration = dur("storage.tsdb.min-block-duration");
  if (set("storage.tsdb.max-block-duration")) {
    f.max_block_duration = dur("storage.tsdb.max-block-duration");
  } else {
    Duration max_block = f.retention_time / 10;
    if (f.retention_time == Duration(0)) max_block = kMaxBlockDurationCap;
    f.max_block_duration = std::min(max_block, kMaxBlockDurationCap);
  }
  f.max_block_duration = std::max(f.max_block_duration, f.min_block_duration);
  f.wal_compression = boolean("storage.tsdb.wal-compression");

  f.for_outage_tolerance = dur("rules.alert.for-outage-tolerance");
  f.for_grace_period = dur("rules.alert.for-grace-period");
  f.resend_delay = dur("rules.alert.resend-delay");
  f.notification_queue_capacity =
      static_cast<int>(integer("alertmanager.notification-queue-capacity"));

  f.lookback_delta = dur("query.lookback-delta");
  f.query_timeout = dur("query.timeout");
  f.query_max_concurrency = static_cast<int>(integer("query.max-concurrency"));
  f.query_max_samples = integer("query.max-samples");
  if (f.query_max_concurrency < 1) {
    return Error("invalid value for flag '--query.max-concurrency': must be at least 1");
  }

  for (std::string_view rest = raw.at("enable-feature"); !rest.empty();) {
    const size_t comma = rest.find(',');
    if (auto feature = rest.substr(0, comma); !feature.empty()) f.features.emplace_back(feature);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  f.log_level = str("log.level");
  f.log_format = str("log.format");
  for (std::string_view rest = raw.at("discovery.dns.server"); !rest.empty();) {
    const size_t nl = rest.find('\n');
    f.dns_servers.emplace_back(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  }

  for (const FlagSpec& spec : Specs()) {
    if (!spec.prometheus) continue;
    f.as_strings[std::string(spec.name)] = *Normalize(spec, raw.at(std::string(spec.name)));
  }
  f.as_strings["web.route-prefix"] = f.route_prefix;
  f.as_strings["storage.tsdb.max-block-duration"] = FormatDuration(f.max_block_duration);
  return f;
}

}  // namespace

Result<CommandLine> ParseCommandLine(const std::vector<std::string>& args) {
  CommandLine cl;
  std::map<std::string, std::string> raw;
  std::map<std::string, bool> explicitly_set;
  for (const FlagSpec& spec : Specs())
    raw[std::string(spec.name)] = std::string(spec.default_value);

  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h" || arg == "--help" || arg == "--help-long") {
      cl.action = CommandLine::Action::kHelp;
      return cl;
    }
    if (arg == "--version") {
      cl.action = CommandLine::Action::kVersion;
      return cl;
    }
    if (!arg.starts_with("--")) {
      if (i == 0 && arg == "check" && args.size() >= 2 && args[1] == "config") {
        cl.action = CommandLine::Action::kCheckConfig;
        cl.check_files.assign(args.begin() + 2, args.end());
        if (cl.check_files.empty()) return Error("check config: expected at least one file");
        return cl;
      }
      return Error(fmt::format("unexpected argument '{}'", arg));
    }

    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (const size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    const FlagSpec* spec = FindSpec(name);
    bool negated = false;
    if (spec == nullptr && name.starts_with("no-")) {
      spec = FindSpec(name.substr(3));
      negated = spec != nullptr && spec->kind == Kind::kBool;
      if (!negated) spec = nullptr;
    }
    if (spec == nullptr) return Error(fmt::format("unknown long flag '--{}'", name));

    if (spec->kind == Kind::kBool) {
      if (!value) value = "true";
      if (negated) {
        if (*value != "true" && *value != "false") {
          return Error(fmt::format("invalid value \"{}\" for flag '--{}'", *value, name));
        }
        value = *value == "true" ? "false" : "true";
      }
    } else if (!value) {
      if (i + 1 >= args.size()) {
        return Error(fmt::format("expected argument for flag '--{}'", name));
      }
      value = args[++i];
    }
    auto normalized = Normalize(*spec, *value);
    if (!normalized.ok()) return normalized.error();

    std::string& slot = raw[std::string(spec->name)];
    if (spec->kind == Kind::kList && explicitly_set.contains(std::string(spec->name))) {
      slot += "," + *value;
    } else if (spec->kind == Kind::kAddresses && explicitly_set.contains(std::string(spec->name))) {
      slot += "\n" + *value;  // validated values hold no newline
    } else {
      slot = *value;
    }
    explicitly_set[std::string(spec->name)] = true;
  }

  auto flags = BuildFlags(std::move(raw), explicitly_set);
  if (!flags.ok()) return flags.error();
  cl.flags = std::move(*flags);
  return cl;
}

std::string UsageText() {
  std::string out =
      "usage: tsdbd [<flags>]\n"
      "       tsdbd check config <config-file>...\n\n"
      "A Prometheus-compatible time-series database and scraper.\n\nFlags:\n"
      "  -h, --help  Show context-sensitive help.\n"
      "      --version  Show application version.\n";
  for (const FlagSpec& spec : Specs()) {
    if (spec.hidden) continue;
    std::string head = fmt::format("      --{}", spec.name);
    if (spec.kind != Kind::kBool) {
      head += spec.default_value.empty() ? fmt::format("=<value>")
                                         : fmt::format("=\"{}\"", spec.default_value);
    }
    out += fmt::format("{}\n          {}\n", head, spec.help);
  }
  return out;
}

}  // namespace tsdbd
