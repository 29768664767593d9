// "host:port" as --web.listen-address takes it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "lib/model/result.h"

namespace tsdbd::http {

struct HostPort {
  std::string host;  // brackets removed; empty means every interface
  uint16_t port = 0;
};

// Splits "host:port", "[v6]:port" or ":port" as Go's net.SplitHostPort does, and checks the
// port is a number in 0..65535 (a service name is not accepted).
Result<HostPort> ParseListenAddress(std::string_view address);

}  // namespace tsdbd::http
