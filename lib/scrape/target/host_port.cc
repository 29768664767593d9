#include "lib/scrape/target/host_port.h"

namespace tsdbd::scrape {

std::optional<HostPort> SplitHostPort(std::string_view s) {
  const size_t colon = s.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;  // missing port
  HostPort out;
  size_t no_open_from = 0;   // no '[' may follow this position
  size_t no_close_from = 0;  // no ']' may follow this position
  if (s[0] == '[') {
    const size_t end = s.find(']');
    if (end == std::string_view::npos) return std::nullopt;  // missing ']'
    if (end + 1 != colon) return std::nullopt;               // ']' not followed by the last ':'
    out.host = s.substr(1, end - 1);
    no_open_from = 1;
    no_close_from = end + 1;
  } else {
    out.host = s.substr(0, colon);
    if (out.host.find(':') != std::string_view::npos) return std::nullopt;  // too many colons
  }
  if (s.find('[', no_open_from) != std::string_view::npos) return std::nullopt;
  if (s.find(']', no_close_from) != std::string_view::npos) return std::nullopt;
  out.port = s.substr(colon + 1);
  return out;
}

}  // namespace tsdbd::scrape
