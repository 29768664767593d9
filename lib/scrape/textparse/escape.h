// Escapes of the exposition formats. Unknown escapes stay as they are (a backslash and the
// character), as Prometheus's replacers leave them.
#pragma once

#include <string>
#include <string_view>

namespace tsdbd::scrape::textparse {

// Label values (both formats) and OpenMetrics HELP text: \\ \" and \n.
std::string UnescapeLabelValue(std::string_view raw);

// Text format 0.0.4 HELP text: \\ and \n only (\" stays as it is).
std::string UnescapeTextHelp(std::string_view raw);

}  // namespace tsdbd::scrape::textparse
