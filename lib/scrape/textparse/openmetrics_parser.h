// OpenMetrics 1.0 text, as Prometheus 2.42 reads it.
#pragma once

#include <string_view>
#include <vector>

#include "lib/scrape/textparse/parser.h"

namespace tsdbd::scrape::textparse {

// Strict: single spaces between tokens, no blank lines, no whitespace inside {...}, no
// trailing comma, only # HELP / # TYPE / # UNIT / # EOF comments, and # EOF must end the
// body (one optional line break after it, nothing else).
//
// Where Prometheus 2.42 and the OpenMetrics specification differ, this follows Prometheus:
// - the suffix rules of metric families (_total for counters, _bucket/_count/_sum, _created,
//   _info, ...) and the order of metadata and samples are not enforced: each sample line is
//   a series of its own, _created lines included;
// - an exemplar is allowed on any series whose name ends in _total or _bucket (whatever the
//   TYPE said) and on no other; its label set length (128 runes) is not checked here;
// - a timestamp (float seconds) becomes int64(seconds * 1000), truncated.
// Duplicate label names (non-empty values) are reported here although Prometheus notices
// them only when appending: either way the scrape fails.
class OpenMetricsParser final : public Parser {
 public:
  explicit OpenMetricsParser(std::string_view body) : Parser(body, Format::kOpenMetrics) {}
  Result<Entry> Next() override;

 private:
  Result<Entry> ParseMetadata();
  Result<Entry> ParseSample();
  // Reads `{...}` from pos_ (at '{') into *out; returns an error message or nothing.
  std::optional<Error> ParseLabels(std::vector<LabelSpan>* out);
  // Reads " <token>" into *token; false when pos_ is not at a space followed by a token.
  bool ReadSpacedToken(std::string_view* token);
  std::optional<Error> ParseExemplar(size_t series_start);
};

}  // namespace tsdbd::scrape::textparse
