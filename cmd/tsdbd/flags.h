// Command-line flags with Prometheus 2.42's names, defaults and semantics.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "lib/model/duration.h"
#include "lib/model/result.h"

namespace tsdbd {

struct Flags {
  std::string config_file;
  std::string listen_address;
  std::string web_config_file;
  Duration read_timeout{};
  int max_connections = 0;
  std::string external_url;
  std::string route_prefix;  // always starts with "/", no trailing "/" unless it is "/"
  bool enable_lifecycle = false;
  bool enable_admin_api = false;
  bool enable_remote_write_receiver = false;
  std::string page_title;
  std::string cors_origin;

  std::string storage_path;
  Duration retention_time{};  // 0: no time retention (only when a size retention is set)
  int64_t retention_size = 0;  // 0: no size retention
  bool no_lockfile = false;
  Duration min_block_duration{};
  Duration max_block_duration{};
  bool wal_compression = true;

  Duration for_outage_tolerance{};
  Duration for_grace_period{};
  Duration resend_delay{};
  int notification_queue_capacity = 0;

  Duration lookback_delta{};
  Duration query_timeout{};
  int query_max_concurrency = 0;
  int64_t query_max_samples = 0;

  std::vector<std::string> features;
  std::string log_level;   // debug, info, warn, error
  std::string log_format;  // logfmt, json

  // tsdbd only (hidden, not in /api/v1/status/flags): name servers for dns_sd_configs as
  // "ipv4:port" or "[ipv6]:port", replacing those of /etc/resolv.conf. Repeatable.
  std::vector<std::string> dns_servers;

  // Every flag by name (without "--") with its effective value, as /api/v1/status/flags
  // shows them.
  std::map<std::string, std::string> as_strings;
};

// What the command line asks for.
struct CommandLine {
  enum class Action { kServe, kHelp, kVersion, kCheckConfig };
  Action action = Action::kServe;
  Flags flags;
  std::vector<std::string> check_files;  // for kCheckConfig
};

// Parses argv (without the program name) the way Prometheus's flag parser does:
// "--name=value", "--name value", "--flag" and "--no-flag" for booleans. Subcommand:
// "check config FILE...". An error names the offending flag or value.
Result<CommandLine> ParseCommandLine(const std::vector<std::string>& args);

// The --help text.
std::string UsageText();

}  // namespace tsdbd
