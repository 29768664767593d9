#include "lib/scrape/relabel/case_mapping.h"

#include <locale.h>
#include <wctype.h>

#include "lib/model/utf8.h"

namespace tsdbd::scrape::relabel {
namespace {

locale_t Utf8Locale() {
  static const locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
  return utf8;
}

template <bool kLower>
void Map(std::string_view s, std::string* out) {
  out->clear();
  out->reserve(s.size());
  const locale_t loc = Utf8Locale();
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (kLower && c >= 'A' && c <= 'Z') {
        out->push_back(static_cast<char>(c + ('a' - 'A')));
      } else if (!kLower && c >= 'a' && c <= 'z') {
        out->push_back(static_cast<char>(c - ('a' - 'A')));
      } else {
        out->push_back(static_cast<char>(c));
      }
      ++i;
      continue;
    }
    const DecodedRune d = DecodeUtf8(s.substr(i));
    uint32_t r = d.cp;
    if (r != kRuneError && loc != static_cast<locale_t>(0)) {
      r = static_cast<uint32_t>(kLower ? towlower_l(static_cast<wint_t>(r), loc)
                                       : towupper_l(static_cast<wint_t>(r), loc));
    }
    AppendUtf8(*out, r);
    i += d.size;
  }
}

}  // namespace

void ToLower(std::string_view s, std::string* out) {
  Map<true>(s, out);
}
void ToUpper(std::string_view s, std::string* out) {
  Map<false>(s, out);
}

}  // namespace tsdbd::scrape::relabel
