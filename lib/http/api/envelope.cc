#include "lib/http/api/envelope.h"

#include <boost/json/value.hpp>

#include "lib/http/api/json_writer.h"

namespace tsdbd::http::api {
namespace {

constexpr char kJson[] = "application/json";

// ,"warnings":[...] when there are any; Prometheus omits the field otherwise.
void AppendWarnings(std::string& out, const std::vector<std::string>& warnings) {
  if (warnings.empty()) return;
  out += R"(,"warnings":[)";
  for (size_t i = 0; i < warnings.size(); ++i) {
    if (i != 0) out.push_back(',');
    AppendJsonString(out, warnings[i]);
  }
  out.push_back(']');
}

struct ErrorInfo {
  const char* name;
  int status;
};

ErrorInfo Info(ErrorType type) {
  switch (type) {
    case ErrorType::kBadData:
      return {"bad_data", 400};
    case ErrorType::kExecution:
      return {"execution", 422};
    case ErrorType::kCanceled:
      return {"canceled", 503};
    case ErrorType::kTimeout:
      return {"timeout", 503};
    case ErrorType::kInternal:
      return {"internal", 500};
    case ErrorType::kUnavailable:
      return {"unavailable", 503};
    case ErrorType::kNotFound:
      return {"not_found", 404};
  }
  return {"internal", 500};
}

}  // namespace

Response Success(boost::json::value data, const std::vector<std::string>& warnings) {
  Response r;
  r.content_type = kJson;
  r.body = R"({"status":"success","data":)";
  AppendJsonValue(r.body, data);
  AppendWarnings(r.body, warnings);
  r.body.push_back('}');
  return r;
}

Response SuccessRaw(std::string_view data_json, const std::vector<std::string>& warnings) {
  Response r;
  r.content_type = kJson;
  r.body.reserve(data_json.size() + 64);
  r.body = R"({"status":"success","data":)";
  r.body += data_json;
  AppendWarnings(r.body, warnings);
  r.body.push_back('}');
  return r;
}

Response NoContent() {
  Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

Response Failure(ErrorType type, const std::string& message, boost::json::value data) {
  const ErrorInfo info = Info(type);
  Response r;
  r.status = info.status;
  r.content_type = kJson;
  r.body = R"({"status":"error",)";
  if (!data.is_null()) {
    r.body += R"("data":)";
    AppendJsonValue(r.body, data);
    r.body.push_back(',');
  }
  r.body += R"("errorType":")";
  r.body += info.name;
  r.body += R"(","error":)";
  AppendJsonString(r.body, message);
  r.body.push_back('}');
  return r;
}

}  // namespace tsdbd::http::api
