#include "lib/http/api/json_writer.h"

#include <fmt/format.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>
#include <charconv>

#include "lib/model/value_format.h"

namespace tsdbd::http::api {
namespace {

template <typename Int>
void AppendInteger(std::string& out, Int i) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, i);
  out.append(buf, end);
}

}  // namespace

void AppendJsonValue(std::string& out, const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      out += "null";
      return;
    case boost::json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      return;
    case boost::json::kind::int64:
      AppendInteger(out, v.get_int64());
      return;
    case boost::json::kind::uint64:
      AppendInteger(out, v.get_uint64());
      return;
    case boost::json::kind::double_:
      out += boost::json::serialize(v);
      return;
    case boost::json::kind::string: {
      const boost::json::string& s = v.get_string();
      AppendJsonString(out, std::string_view(s.data(), s.size()));
      return;
    }
    case boost::json::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const boost::json::value& e : v.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        AppendJsonValue(out, e);
      }
      out.push_back(']');
      return;
    }
    case boost::json::kind::object: {
      out.push_back('{');
      bool first = true;
      for (const boost::json::key_value_pair& kv : v.get_object()) {
        if (!first) out.push_back(',');
        first = false;
        const boost::json::string_view key = kv.key();
        AppendJsonString(out, std::string_view(key.data(), key.size()));
        out.push_back(':');
        AppendJsonValue(out, kv.value());
      }
      out.push_back('}');
      return;
    }
  }
}

void AppendJsonLabels(std::string& out, const Labels& labels) {
  out.push_back('{');
  bool first = true;
  for (const Label l : labels) {
    if (!first) out.push_back(',');
    first = false;
    AppendJsonString(out, l.name);
    out.push_back(':');
    AppendJsonString(out, l.value);
  }
  out.push_back('}');
}

void AppendJsonPoint(std::string& out, int64_t t_ms, double v) {
  out.push_back('[');
  uint64_t t = static_cast<uint64_t>(t_ms);
  if (t_ms < 0) {
    out.push_back('-');
    t = 0 - t;
  }
  fmt::format_to(std::back_inserter(out), "{}", t / 1000);
  if (const uint64_t frac = t % 1000; frac != 0) {
    fmt::format_to(std::back_inserter(out), ".{:03}", frac);
  }
  out += ",\"";
  AppendFloatJSON(out, v);
  out += "\"]";
}

void AppendJsonSeconds(std::string& out, int64_t t_ms) {
  // Go's encoding/json uses 'f' for magnitudes in [1e-6, 1e21): every possible t_ms/1000.
  AppendFloatF(out, static_cast<double>(t_ms) / 1000);
}

}  // namespace tsdbd::http::api
