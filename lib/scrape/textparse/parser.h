// Pull parsers for scraped exposition bodies: Prometheus text format 0.0.4 and OpenMetrics
// 1.0 text, accepting and rejecting what Prometheus 2.42's parsers do.
//
//   auto p = Parser::New(body, content_type);
//   while (true) {
//     Result<Entry> e = p->Next();
//     if (!e.ok()) { ... e.error().message() names the line ...; break; }
//     if (*e == Entry::kEOF) break;
//     if (*e == Entry::kSeries) { p->Series(); p->Value(); p->BuildLabels(builder); }
//   }
//
// The parser keeps string_views into the body: the body must outlive it. Next() does not
// allocate once the parser has seen its widest line (label spans live in reused vectors);
// escapes are undone only when labels or help text are asked for. Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/model/labels.h"
#include "lib/model/result.h"
#include "lib/scrape/textparse/content_type.h"
#include "lib/scrape/textparse/entry.h"
#include "lib/scrape/textparse/exemplar.h"

namespace tsdbd::scrape::textparse {

class Parser {
 public:
  // The parser for `content_type` (see FormatForContentType) over `body`.
  static std::unique_ptr<Parser> New(std::string_view body, std::string_view content_type);
  static std::unique_ptr<Parser> New(std::string_view body, Format format);

  virtual ~Parser() = default;
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  // The next entry, or an Error "line N: <what is wrong>" (N 1-based). After an error the
  // parser must not be used further: a body with an error is wholly invalid.
  virtual Result<Entry> Next() = 0;

  Format format() const { return format_; }

  // --- kSeries ---
  // The series as written: metric name through the closing '}' (or the name alone). Equal
  // texts mean equal labels, so it serves as a cache key that skips BuildLabels.
  std::string_view Series() const { return series_; }
  std::string_view MetricName() const { return metric_name_; }
  // NaN is always Prometheus's normal NaN (0x7ff8000000000001), never the stale marker.
  double Value() const { return value_; }
  // Milliseconds (text: as written; OpenMetrics: float seconds * 1000 truncated).
  std::optional<int64_t> Timestamp() const {
    return has_timestamp_ ? std::optional<int64_t>(timestamp_) : std::nullopt;
  }
  // Resets `builder` to __name__ plus the series' labels, unescaped. Labels with an empty
  // value are left out (an empty value means no label).
  void BuildLabels(LabelsBuilder& builder) const;
  // OpenMetrics: fills *out and returns true when the sample carried an exemplar.
  bool Exemplar(textparse::Exemplar* out) const;

  // --- kType / kHelp / kUnit ---
  std::string_view MetadataName() const { return metadata_name_; }
  MetricType Type() const { return type_; }
  // The help text, unescaped (text: \\ \n; OpenMetrics: \\ \" \n).
  std::string Help() const;
  std::string_view Unit() const { return metadata_text_; }

  // --- kComment --- the whole line from '#', without the line break.
  std::string_view Comment() const { return metadata_text_; }

 protected:
  struct LabelSpan {
    std::string_view name;
    std::string_view value;  // raw, between the quotes
    bool escaped;            // value holds a backslash
  };

  Parser(std::string_view body, Format format) : body_(body), format_(format) {}

  // "line N: what", N counted up to byte `pos` of the body.
  Error Fail(size_t pos, std::string_view what) const;
  // A short description of what stands at `pos` for messages: "\"x\"", "end of line"...
  std::string Describe(size_t pos) const;
  // Checks label names of a sample for repeats (among non-empty values, __name__ included)
  // as Prometheus's head does when it refuses the sample; the error names the label.
  std::optional<std::string> DuplicateLabel();

  const std::string_view body_;
  const Format format_;
  size_t pos_ = 0;  // next byte to read
  bool done_ = false;

  std::string_view series_;
  std::string_view metric_name_;
  std::vector<LabelSpan> labels_;
  double value_ = 0;
  int64_t timestamp_ = 0;
  bool has_timestamp_ = false;

  bool has_exemplar_ = false;
  std::vector<LabelSpan> exemplar_labels_;
  double exemplar_value_ = 0;
  int64_t exemplar_timestamp_ = 0;
  bool exemplar_has_timestamp_ = false;

  std::string_view metadata_name_;
  std::string_view metadata_text_;  // raw help text, unit, or comment line
  MetricType type_ = MetricType::kUnknown;

 private:
  std::vector<std::string_view> sorted_names_;  // scratch for DuplicateLabel
};

}  // namespace tsdbd::scrape::textparse
