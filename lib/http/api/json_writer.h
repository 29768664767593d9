// A minimal JSON writer for large API results (query data, series), byte for byte as
// Prometheus writes them: Go's string escaping, timestamps as seconds with exactly the
// millisecond digits, sample values as strings in Go's float format.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "lib/model/json_string.h"  // AppendJsonString, Go's string escaping
#include "lib/model/labels.h"

namespace tsdbd::http::api {

// Appends {"name":"value",...} in label order.
void AppendJsonLabels(std::string& out, const Labels& labels);

// A sample's [timestamp,"value"]: the timestamp as seconds with the millisecond fraction
// written in full ("1700000000.500"), the value as Prometheus formats sample values.
void AppendJsonPoint(std::string& out, int64_t t_ms, double v);

// A timestamp in seconds as Go's encoding/json writes float64(t)/1000 ("1700000000.5").
void AppendJsonSeconds(std::string& out, int64_t t_ms);

}  // namespace tsdbd::http::api
