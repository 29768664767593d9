// Prometheus text format 0.0.4, as Prometheus 2.42 reads it.
#pragma once

#include <string_view>

#include "lib/scrape/textparse/parser.h"

namespace tsdbd::scrape::textparse {

// Where Prometheus 2.42 and exposition_formats.md differ, this follows Prometheus:
// - spaces and tabs may stand between any two tokens, also inside {...}, and before a
//   comment; blanks before a sample are an error (Prometheus reads them into the metric
//   name, which its scrape loop then refuses);
// - label pairs need no comma between them, and a trailing comma is allowed;
// - a label value may hold a raw line break (only a backslash before one is invalid);
// - the first byte after the name of # HELP / # TYPE is dropped whatever it is, so
//   "# TYPE x  counter" (two spaces) has the invalid type " counter";
// - a NUL byte where a line or a comment starts ends the body (Prometheus's lexer reads it
//   as the end of input).
// Duplicate label names (non-empty values, __name__ included) are reported here although
// Prometheus notices them only when appending: either way the scrape fails.
class TextParser final : public Parser {
 public:
  explicit TextParser(std::string_view body) : Parser(body, Format::kPrometheusText) {}
  Result<Entry> Next() override;

 private:
  Result<Entry> ParseComment();
  Result<Entry> ParseSample();
  void SkipBlanks();
};

}  // namespace tsdbd::scrape::textparse
