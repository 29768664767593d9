// Go's strconv.Quote: a double-quoted string literal with Go escapes, as Prometheus writes
// label values in series descriptions and error messages.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tsdbd {

std::string GoQuote(std::string_view s);
void AppendGoQuoted(std::string& out, std::string_view s);

// Go's strconv.QuoteRune, the %q of a rune, as PromQL's lexer names an unexpected
// character: 'a', '\'', '\x01', '\u2028', 'é', '�'.
std::string GoQuoteRune(uint32_t cp);

// Whether Go's strconv.IsPrint accepts `cp` (its list of unassigned code points aside):
// %#U shows such a rune after its number ("U+20AC '€'", but "U+2028").
bool GoIsPrint(uint32_t cp);

}  // namespace tsdbd
