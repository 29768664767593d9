#include "lib/scrape/relabel/expand.h"

#include <locale.h>
#include <re2/re2.h>
#include <wctype.h>

#include "lib/model/utf8.h"

namespace tsdbd::scrape::relabel {
namespace {

// Go's unicode.IsLetter || unicode.IsDigit || '_' (non-ASCII through the C.UTF-8 locale's
// classification, which follows Unicode).
bool IsNameRune(uint32_t r) {
  if (r < 0x80) {
    return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r == '_';
  }
  if (r == kRuneError) return false;
  static const locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
  return utf8 != static_cast<locale_t>(0) && iswalnum_l(static_cast<wint_t>(r), utf8);
}

struct Reference {
  std::string_view name;
  int number = -1;    // -1: a name, not a group number
  size_t length = 0;  // characters consumed after the "$"
};

// Parses the reference after a "$"; false when there is none.
bool ParseReference(std::string_view s, Reference* ref) {
  if (s.empty()) return false;
  size_t pos = 0;
  const bool brace = s[0] == '{';
  if (brace) pos = 1;
  const size_t start = pos;
  while (pos < s.size()) {
    const DecodedRune r = DecodeUtf8(s.substr(pos));
    if (!IsNameRune(r.cp)) break;
    pos += r.size;
  }
  if (pos == start) return false;
  ref->name = s.substr(start, pos - start);
  if (brace) {
    if (pos >= s.size() || s[pos] != '}') return false;
    ++pos;
  }
  ref->length = pos;
  int num = 0;
  for (char c : ref->name) {
    if (c < '0' || c > '9' || num >= 100000000) {
      num = -1;
      break;
    }
    num = num * 10 + (c - '0');
  }
  if (ref->name.size() > 1 && ref->name[0] == '0') num = -1;
  ref->number = num;
  return true;
}

}  // namespace

void Expand(std::string_view tmpl, const re2::RE2& re, std::span<const std::string_view> groups,
            std::string* out) {
  while (!tmpl.empty()) {
    const size_t dollar = tmpl.find('$');
    if (dollar == std::string_view::npos) break;
    out->append(tmpl.substr(0, dollar));
    tmpl.remove_prefix(dollar + 1);
    if (!tmpl.empty() && tmpl[0] == '$') {
      out->push_back('$');
      tmpl.remove_prefix(1);
      continue;
    }
    Reference ref;
    if (!ParseReference(tmpl, &ref)) {
      out->push_back('$');
      continue;
    }
    tmpl.remove_prefix(ref.length);
    int index = ref.number;
    if (index < 0) {
      for (const auto& [name, i] : re.NamedCapturingGroups()) {
        if (name == ref.name) {
          index = i;
          break;
        }
      }
    }
    if (index >= 0 && static_cast<size_t>(index) < groups.size() &&
        groups[index].data() != nullptr) {
      out->append(groups[index]);
    }
  }
  out->append(tmpl);
}

}  // namespace tsdbd::scrape::relabel
