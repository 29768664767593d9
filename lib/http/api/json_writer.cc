#include "lib/http/api/json_writer.h"

#include <fmt/format.h>

#include "lib/model/value_format.h"

namespace tsdbd::http::api {

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
