// JSON strings written byte for byte as Go's encoding/json writes them, so that what tsdbd
// serves (API answers) and stores (meta.json) matches Prometheus's output exactly.
#pragma once

#include <string>
#include <string_view>

namespace tsdbd {

// Appends `s` as a quoted JSON string as Go 1.19's encoding/json does: \" \\ \n \r \t;
// other bytes below 0x20 and the HTML-sensitive <, > and & as \u00XX (lower-case hex);
// U+2028 and U+2029 as \u2028 and \u2029; each byte that does not begin a valid UTF-8
// sequence as \ufffd. Everything else is copied as is.
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace tsdbd
