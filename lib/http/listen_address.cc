#include "lib/http/listen_address.h"

namespace tsdbd::http {

Result<HostPort> ParseListenAddress(std::string_view address) {
  auto fail = [&](std::string_view why) {
    return Error("address " + std::string(address) + ": " + std::string(why));
  };
  size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return fail("missing port in address");
  HostPort out;
  std::string_view host = address.substr(0, colon);
  std::string_view port = address.substr(colon + 1);
  if (!host.empty() && host.front() == '[') {
    if (host.back() != ']') return fail("missing ']' in address");
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return fail("too many colons in address");
  } else if (host.find_first_of("[]") != std::string_view::npos) {
    return fail("unexpected '[' or ']' in address");
  }
  if (port.empty() || port.size() > 5) return fail("invalid port");
  uint32_t value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return fail("invalid port");
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value > 65535) return fail("invalid port");
  out.host = std::string(host);
  out.port = static_cast<uint16_t>(value);
  return out;
}

}  // namespace tsdbd::http
