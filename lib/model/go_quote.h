// Go's strconv.Quote: a double-quoted string literal with Go escapes, as Prometheus writes
// label values in series descriptions and error messages.
#pragma once

#include <string>
#include <string_view>

namespace tsdbd {

std::string GoQuote(std::string_view s);
void AppendGoQuoted(std::string& out, std::string_view s);

}  // namespace tsdbd
