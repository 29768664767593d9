// UTF-8 decoding and encoding with Go's rules (invalid input decodes as U+FFFD, one byte),
// shared by the template expansion and the case mapping.
#pragma once

#include <string>
#include <string_view>

namespace tsdbd::scrape::relabel {

inline constexpr char32_t kRuneError = 0xfffd;

// Decodes the sequence at the start of non-empty `s`; *size gets its length in bytes.
char32_t DecodeRune(std::string_view s, size_t* size);

// Appends the UTF-8 encoding of `r` (a valid scalar value).
void AppendRune(char32_t r, std::string* out);

}  // namespace tsdbd::scrape::relabel
