// Pieces of Prometheus HTTP API request targets (/api/v1/query?query=...&time=...) as the
// differential tests send them to tsdbd and to a real Prometheus.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tsdbd::testing {

// Percent-encodes (%XX, upper-case hex) every byte but RFC 3986's unreserved characters
// (A-Z a-z 0-9 - . _ ~), so that any PromQL expression stands in a query string as is.
std::string QueryEscape(std::string_view s);

// Milliseconds as the API's seconds with three decimals: 1500 -> "1.500", -20 -> "-0.020".
std::string ApiTime(int64_t ms);

}  // namespace tsdbd::testing
