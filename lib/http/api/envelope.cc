#include "lib/http/api/envelope.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace tsdbd::http::api {
namespace {

constexpr char kJson[] = "application/json";

// Serializes like Go's encoding/json, which escapes <, >, & and U+2028/U+2029 in strings.
// Those characters never occur in JSON outside strings, so replacing them is safe.
std::string Serialize(const boost::json::value& v) {
  const std::string raw = boost::json::serialize(v);
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else if (c == '\xE2' && i + 2 < raw.size() && raw[i + 1] == '\x80' &&
               (raw[i + 2] == '\xA8' || raw[i + 2] == '\xA9')) {
      out += raw[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

struct ErrorInfo {
  const char* name;
  int status;
};

ErrorInfo Info(ErrorType type) {
  switch (type) {
    case ErrorType::kBadData: return {"bad_data", 400};
    case ErrorType::kExecution: return {"execution", 422};
    case ErrorType::kCanceled: return {"canceled", 503};
    case ErrorType::kTimeout: return {"timeout", 503};
    case ErrorType::kInternal: return {"internal", 500};
    case ErrorType::kUnavailable: return {"unavailable", 503};
    case ErrorType::kNotFound: return {"not_found", 404};
  }
  return {"internal", 500};
}

}  // namespace

Response Success(boost::json::value data, const std::vector<std::string>& warnings) {
  boost::json::object body;
  body["status"] = "success";
  body["data"] = std::move(data);
  if (!warnings.empty()) {
    boost::json::array w;
    for (const std::string& s : warnings) w.emplace_back(s);
    body["warnings"] = std::move(w);
  }
  Response r;
  r.content_type = kJson;
  r.body = Serialize(body);
  return r;
}

Response SuccessRaw(std::string_view data_json, const std::vector<std::string>& warnings) {
  Response r;
  r.content_type = kJson;
  r.body.reserve(data_json.size() + 64);
  r.body = R"({"status":"success","data":)";
  r.body += data_json;
  if (!warnings.empty()) {
    r.body += R"(,"warnings":)";
    boost::json::array w;
    for (const std::string& s : warnings) w.emplace_back(s);
    r.body += Serialize(w);
  }
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
  boost::json::object body;
  body["status"] = "error";
  if (!data.is_null()) body["data"] = std::move(data);
  body["errorType"] = info.name;
  body["error"] = message;
  Response r;
  r.status = info.status;
  r.content_type = kJson;
  r.body = Serialize(body);
  return r;
}

}  // namespace tsdbd::http::api
