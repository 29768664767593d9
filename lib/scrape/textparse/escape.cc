#include "lib/scrape/textparse/escape.h"

namespace tsdbd::scrape::textparse {
namespace {

std::string Unescape(std::string_view raw, bool quote) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c == '\\' && i + 1 < raw.size()) {
      const char next = raw[i + 1];
      if (next == '\\' || (quote && next == '"')) {
        out.push_back(next);
        ++i;
        continue;
      }
      if (next == 'n') {
        out.push_back('\n');
        ++i;
        continue;
      }
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::string UnescapeLabelValue(std::string_view raw) {
  return Unescape(raw, true);
}

std::string UnescapeTextHelp(std::string_view raw) {
  return Unescape(raw, false);
}

}  // namespace tsdbd::scrape::textparse
