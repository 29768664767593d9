#include "lib/model/go_quote.h"

#include <fmt/format.h>

#include "lib/model/utf8.h"

namespace tsdbd {
namespace {

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

void AppendUnicodeEscape(std::string& out, uint32_t cp) {
  out += cp < 0x10000 ? fmt::format("\\u{:04x}", cp) : fmt::format("\\U{:08x}", cp);
}

}  // namespace

bool GoIsPrint(uint32_t cp) {
  if (cp < 0x80) return cp >= 0x20 && cp != 0x7F;
  return !IsNonPrintable(cp);
}

std::string GoQuoteRune(uint32_t cp) {
  std::string out = "'";
  switch (cp) {
    case '\'': out += "\\'"; break;
    case '\\': out += "\\\\"; break;
    case '\a': out += "\\a"; break;
    case '\b': out += "\\b"; break;
    case '\f': out += "\\f"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    case '\v': out += "\\v"; break;
    default:
      if (cp < 0x20 || cp == 0x7F) {
        out += fmt::format("\\x{:02x}", cp);
      } else if (!GoIsPrint(cp)) {
        AppendUnicodeEscape(out, cp);
      } else {
        AppendUtf8(out, cp);
      }
  }
  out += '\'';
  return out;
}

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
    const DecodedRune r = DecodeUtf8(s.substr(i));
    if (r.cp == kRuneError && r.size == 1) {
      out += fmt::format("\\x{:02x}", c);
    } else if (r.size > 1 && IsNonPrintable(r.cp)) {
      AppendUnicodeEscape(out, r.cp);
    } else {
      out.append(s.substr(i, r.size));
    }
    i += r.size;
  }
  out.push_back('"');
}

std::string GoQuote(std::string_view s) {
  std::string out;
  AppendGoQuoted(out, s);
  return out;
}

}  // namespace tsdbd
