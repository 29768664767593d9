// Process-wide logging set-up: Prometheus's --log.level and --log.format.
#pragma once

#include <string>

namespace tsdbd {

// Installs the default spdlog logger writing to stderr in logfmt
// (ts=... level=info msg="...") or json ({"level":"info","msg":"...","ts":"..."}),
// dropping messages below `level` (debug, info, warn, error).
void SetupLogging(const std::string& level, const std::string& format);

}  // namespace tsdbd
