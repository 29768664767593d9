#include "lib/model/go_quote.h"

#include <fmt/format.h>

#include "lib/model/names.h"

namespace tsdbd {
namespace {

// Length of the valid UTF-8 sequence starting at s[0] (1 to 4), or 0 when it is invalid.
size_t Utf8Length(std::string_view s) {
  const auto c = static_cast<unsigned char>(s[0]);
  const size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
                                : (c & 0xF8) == 0xF0 ? 4 : 0;
  if (n == 0 || n > s.size()) return 0;
  return IsValidLabelValue(s.substr(0, n)) ? n : 0;
}

// The code point of a valid UTF-8 sequence of n bytes.
uint32_t Decode(std::string_view s, size_t n) {
  static constexpr unsigned char kLeadMask[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
  uint32_t cp = static_cast<unsigned char>(s[0]) & kLeadMask[n];
  for (size_t i = 1; i < n; ++i) cp = (cp << 6) | (static_cast<unsigned char>(s[i]) & 0x3F);
  return cp;
}

// Code points Go's strconv.IsPrint rejects, beyond ASCII controls: C1 controls, spaces other
// than U+0020, format characters, private use and non-characters. (Go also rejects
// unassigned code points; tracking Unicode's assignments is left out.)
bool IsNonPrintable(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0xA0) || cp == 0xAD || cp == 0x061C || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202F) ||
         (cp >= 0x205F && cp <= 0x206F) || cp == 0x3000 || (cp >= 0xD800 && cp <= 0xF8FF) ||
         cp == 0xFEFF || (cp >= 0xFFF9 && cp <= 0xFFFB) || cp == 0xFFFE || cp == 0xFFFF ||
         (cp >= 0xE0000 && cp <= 0xE007F) || cp >= 0xF0000 || (cp & 0xFFFE) == 0xFFFE;
}

}  // namespace

void AppendGoQuoted(std::string& out, std::string_view s) {
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; ++i; continue;
      case '\\': out += "\\\\"; ++i; continue;
      case '\a': out += "\\a"; ++i; continue;
      case '\b': out += "\\b"; ++i; continue;
      case '\f': out += "\\f"; ++i; continue;
      case '\n': out += "\\n"; ++i; continue;
      case '\r': out += "\\r"; ++i; continue;
      case '\t': out += "\\t"; ++i; continue;
      case '\v': out += "\\v"; ++i; continue;
      default: break;
    }
    if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
      ++i;
      continue;
    }
    const size_t n = Utf8Length(s.substr(i));
    if (n == 0) {
      out += fmt::format("\\x{:02x}", c);
      ++i;
      continue;
    }
    if (const uint32_t cp = Decode(s.substr(i), n); n > 1 && IsNonPrintable(cp)) {
      out += cp < 0x10000 ? fmt::format("\\u{:04x}", cp) : fmt::format("\\U{:08x}", cp);
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  out.push_back('"');
}

std::string GoQuote(std::string_view s) {
  std::string out;
  AppendGoQuoted(out, s);
  return out;
}

}  // namespace tsdbd
