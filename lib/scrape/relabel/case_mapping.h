// Go's strings.ToLower / strings.ToUpper, used by the lowercase and uppercase actions.
#pragma once

#include <string>
#include <string_view>

namespace tsdbd::scrape::relabel {

// Writes the case-mapped `s` to *out (replacing its content). ASCII maps byte by byte;
// other characters by Unicode simple case mapping (the C.UTF-8 locale's towlower/towupper);
// invalid UTF-8 bytes become U+FFFD, as in Go.
void ToLower(std::string_view s, std::string* out);
void ToUpper(std::string_view s, std::string* out);

}  // namespace tsdbd::scrape::relabel
