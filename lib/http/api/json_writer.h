// The one JSON writer of API answers, byte for byte as Prometheus (Go 1.19's encoding/json)
// writes them: Go's string escaping, timestamps as seconds with exactly the millisecond
// digits, sample values as strings in Go's float format, and boost::json values for the
// smaller answers built as trees.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "lib/model/json_string.h"  // AppendJsonString, Go's string escaping
#include "lib/model/labels.h"

namespace tsdbd::http::api {

// Appends `v` as Go's encoding/json writes the same data: every string (object keys too)
// through AppendJsonString, objects in insertion order, no whitespace. Integers are written
// in decimal; doubles as boost::json::serialize writes them (no API answer holds one).
void AppendJsonValue(std::string& out, const boost::json::value& v);

// Appends {"name":"value",...} in label order.
void AppendJsonLabels(std::string& out, const Labels& labels);

// A sample's [timestamp,"value"]: the timestamp as seconds with the millisecond fraction
// written in full ("1700000000.500"), the value as Prometheus formats sample values.
void AppendJsonPoint(std::string& out, int64_t t_ms, double v);

// A timestamp in seconds as Go's encoding/json writes float64(t)/1000 ("1700000000.5").
void AppendJsonSeconds(std::string& out, int64_t t_ms);

}  // namespace tsdbd::http::api
