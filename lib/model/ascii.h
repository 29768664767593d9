// ASCII case folding, as HTTP header names, media types, and the words Inf and NaN in
// exposition text and test scripts compare (Go's strings.EqualFold on ASCII input).
#pragma once

#include <string_view>

namespace tsdbd {

// Whether a and b are equal when the letters A-Z and a-z fold together. Other bytes (UTF-8
// included) must match exactly: "STRASSE" and "straße" differ, as do "K" and the Kelvin sign.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace tsdbd
