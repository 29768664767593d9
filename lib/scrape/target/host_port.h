// host:port splitting with the rules of Go's net.SplitHostPort, which decide whether
// Prometheus adds a default port to a target's address.
#pragma once

#include <optional>
#include <string_view>

namespace tsdbd::scrape {

struct HostPort {
  std::string_view host;  // without the brackets of "[::1]:80"
  std::string_view port;  // may be empty ("host:")
};

// Splits "host:port", "[ipv6]:port" or "[ipv6%zone]:port"; nullopt when `s` is not of that
// form (missing port, too many colons, misplaced brackets). The views point into `s`.
std::optional<HostPort> SplitHostPort(std::string_view s);

}  // namespace tsdbd::scrape
