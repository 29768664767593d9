#include "lib/scrape/textparse/content_type.h"

#include "lib/model/ascii.h"

namespace tsdbd::scrape::textparse {
namespace {

// RFC 2045 token characters.
bool IsTokenChar(char c) {
  if (c <= ' ' || c >= 0x7f) return false;
  for (char s : std::string_view("()<>@,;:\\\"/[]?=")) {
    if (c == s) return false;
  }
  return true;
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t';
}

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Whether `params` (what follows the media type) is a list of ; name=value parameters with
// token names and token or quoted-string values, as Go's mime.ParseMediaType requires.
bool ValidParameters(std::string_view params) {
  size_t i = 0;
  const size_t n = params.size();
  while (true) {
    while (i < n && IsSpace(params[i])) ++i;
    if (i == n) return true;
    if (params[i] != ';') return false;
    ++i;
    while (i < n && IsSpace(params[i])) ++i;
    if (i == n) return true;  // a trailing ';' is tolerated
    const size_t name_start = i;
    while (i < n && IsTokenChar(params[i])) ++i;
    if (i == name_start || i == n || params[i] != '=') return false;
    ++i;
    if (i < n && params[i] == '"') {
      ++i;
      while (i < n && params[i] != '"') i += params[i] == '\\' ? 2 : 1;
      if (i >= n) return false;
      ++i;
    } else {
      const size_t value_start = i;
      while (i < n && IsTokenChar(params[i])) ++i;
      if (i == value_start) return false;
    }
  }
}

}  // namespace

Format FormatForContentType(std::string_view content_type) {
  const size_t semi = content_type.find(';');
  const std::string_view media = TrimSpace(content_type.substr(0, semi));
  if (!EqualsIgnoreCase(media, "application/openmetrics-text")) return Format::kPrometheusText;
  if (semi != std::string_view::npos && !ValidParameters(content_type.substr(semi))) {
    return Format::kPrometheusText;
  }
  return Format::kOpenMetrics;
}

}  // namespace tsdbd::scrape::textparse
