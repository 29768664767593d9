// The JSON envelope of every /api/v1 response, as Prometheus writes it:
//   {"status":"success","data":...,"warnings":[...]}
//   {"status":"error","errorType":"bad_data","error":"..."}
// Every string (data, warnings, error messages) is escaped as Go's encoding/json does
// (json_writer.h), so bodies equal Prometheus's byte for byte even for odd bytes.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "lib/http/request.h"

namespace tsdbd::http::api {

// Prometheus's error types; each maps to its HTTP status code.
enum class ErrorType {
  kBadData,      // 400
  kExecution,    // 422
  kCanceled,     // 503
  kTimeout,      // 503
  kInternal,     // 500
  kUnavailable,  // 503
  kNotFound,     // 404
};

// A 200 response carrying `data` (and `warnings` when there are any).
Response Success(boost::json::value data, const std::vector<std::string>& warnings = {});

// A 200 response whose data is already serialized JSON (large results are written directly).
Response SuccessRaw(std::string_view data_json, const std::vector<std::string>& warnings = {});

// 204 with no body: what Prometheus answers when an endpoint has no data to give.
Response NoContent();

// An error response with Prometheus's errorType string and status code. `data` is written
// only when it is not null (Prometheus omits an empty one).
Response Failure(ErrorType type, const std::string& message, boost::json::value data = nullptr);

}  // namespace tsdbd::http::api
