#include "lib/scrape/textparse/text_parser.h"

#include <cstring>
#include <string>

#include "lib/model/go_quote.h"
#include "lib/model/names.h"
#include "lib/scrape/textparse/chars.h"
#include "lib/scrape/textparse/float_parse.h"

namespace tsdbd::scrape::textparse {
namespace {

bool IsBlank(char c) {
  return c == ' ' || c == '\t';
}

// The end of the line that holds `pos`: the index of its '\n' or the body's size.
size_t LineEnd(std::string_view body, size_t pos) {
  const void* nl = std::memchr(body.data() + pos, '\n', body.size() - pos);
  return nl ? static_cast<const char*>(nl) - body.data() : body.size();
}

}  // namespace

void TextParser::SkipBlanks() {
  while (pos_ < body_.size() && IsBlank(body_[pos_])) ++pos_;
}

Result<Entry> TextParser::Next() {
  if (done_) return Entry::kEOF;
  while (true) {
    const size_t line_start = pos_;
    SkipBlanks();
    if (pos_ >= body_.size()) break;
    const char c = body_[pos_];
    if (c == '\n') {  // blank lines are allowed
      ++pos_;
      continue;
    }
    if (c == '#') return ParseComment();
    if (chars::Is(c, chars::kMetricStart)) {
      // Prometheus takes the blanks into the metric name, which is then invalid.
      if (pos_ != line_start) {
        size_t end = pos_;
        while (end < body_.size() && chars::Is(body_[end], chars::kMetric)) ++end;
        return Fail(pos_, "invalid metric name " +
                              GoQuote(body_.substr(line_start, end - line_start)) +
                              ": blanks before a sample");
      }
      return ParseSample();
    }
    if (c == '\0') break;
    return Fail(pos_, Describe(pos_) + " is not a valid start of a line");
  }
  done_ = true;
  return Entry::kEOF;
}

Result<Entry> TextParser::ParseComment() {
  const size_t start = pos_;
  const size_t end = LineEnd(body_, pos_);
  ++pos_;  // '#'
  if (pos_ < end && IsBlank(body_[pos_])) {
    SkipBlanks();
    const std::string_view rest = body_.substr(pos_, end - pos_);
    const bool help = rest.starts_with("HELP");
    const bool type = rest.starts_with("TYPE");
    if ((help || type) && rest.size() > 4 && IsBlank(rest[4])) {
      const char* what = help ? "HELP" : "TYPE";
      pos_ += 4;
      SkipBlanks();
      const size_t name_start = pos_;
      if (pos_ >= end || !chars::Is(body_[pos_], chars::kMetricStart)) {
        return Fail(pos_,
                    std::string("expected metric name after ") + what + ", got " + Describe(pos_));
      }
      while (pos_ < end && chars::Is(body_[pos_], chars::kMetric)) ++pos_;
      metadata_name_ = body_.substr(name_start, pos_ - name_start);
      // Prometheus takes the rest of the line and drops its first byte, whatever it is.
      std::string_view text = body_.substr(pos_, end - pos_);
      if (!text.empty()) text.remove_prefix(1);
      metadata_text_ = text;
      pos_ = end < body_.size() ? end + 1 : end;
      if (help) {
        if (!IsValidLabelValue(text)) return Fail(start, "help text is not valid UTF-8");
        return Entry::kHelp;
      }
      if (text == "counter") {
        type_ = MetricType::kCounter;
      } else if (text == "gauge") {
        type_ = MetricType::kGauge;
      } else if (text == "histogram") {
        type_ = MetricType::kHistogram;
      } else if (text == "summary") {
        type_ = MetricType::kSummary;
      } else if (text == "untyped") {
        type_ = MetricType::kUnknown;
      } else {
        return Fail(start, "invalid metric type " + GoQuote(text));
      }
      return Entry::kType;
    }
  }
  // Any other comment. Prometheus's lexer stops at a NUL byte as at the end of input.
  const void* nul = std::memchr(body_.data() + start, '\0', end - start);
  if (nul) {
    done_ = true;
    pos_ = body_.size();
    return Entry::kEOF;
  }
  metadata_text_ = body_.substr(start, end - start);
  pos_ = end < body_.size() ? end + 1 : end;
  return Entry::kComment;
}

Result<Entry> TextParser::ParseSample() {
  const size_t start = pos_;
  const size_t size = body_.size();
  const char* b = body_.data();
  while (pos_ < size && chars::Is(b[pos_], chars::kMetric)) ++pos_;
  metric_name_ = body_.substr(start, pos_ - start);
  size_t series_end = pos_;
  labels_.clear();
  has_exemplar_ = false;
  SkipBlanks();
  if (pos_ < size && b[pos_] == '{') {
    ++pos_;
    while (true) {
      SkipBlanks();
      if (pos_ < size && b[pos_] == '}') {
        ++pos_;
        break;
      }
      if (pos_ >= size || !chars::Is(b[pos_], chars::kLabelStart)) {
        return Fail(pos_, "expected label name or '}', got " + Describe(pos_));
      }
      const size_t name_start = pos_;
      while (pos_ < size && chars::Is(b[pos_], chars::kLabel)) ++pos_;
      const std::string_view name = body_.substr(name_start, pos_ - name_start);
      SkipBlanks();
      if (pos_ >= size || b[pos_] != '=') {
        return Fail(pos_,
                    "expected '=' after label name " + GoQuote(name) + ", got " + Describe(pos_));
      }
      ++pos_;
      SkipBlanks();
      if (pos_ >= size || b[pos_] != '"') {
        return Fail(pos_,
                    "expected quoted label value for " + GoQuote(name) + ", got " + Describe(pos_));
      }
      const size_t quote = pos_;
      ++pos_;
      const size_t value_start = pos_;
      bool escaped = false;
      unsigned char high = 0;
      while (true) {
        if (pos_ >= size) return Fail(quote, "unterminated label value for " + GoQuote(name));
        const char c = b[pos_];
        if (c == '"') break;
        if (c == '\\') {
          // Any byte but a line break may follow a backslash.
          if (pos_ + 1 >= size || b[pos_ + 1] == '\n') {
            return Fail(pos_,
                        "invalid escape at the end of a line in label value for " + GoQuote(name));
          }
          escaped = true;
          high |= static_cast<unsigned char>(b[pos_ + 1]);
          pos_ += 2;
          continue;
        }
        high |= static_cast<unsigned char>(c);
        ++pos_;
      }
      const std::string_view value = body_.substr(value_start, pos_ - value_start);
      ++pos_;  // closing quote
      if ((high & 0x80) && !IsValidLabelValue(value)) {
        return Fail(quote, "invalid UTF-8 in label value for " + GoQuote(name));
      }
      labels_.push_back({name, value, escaped});
      SkipBlanks();
      if (pos_ < size && b[pos_] == ',') ++pos_;  // commas are optional, trailing allowed
    }
    series_end = pos_;
    SkipBlanks();
  }
  series_ = body_.substr(start, series_end - start);

  // The value: bytes up to a blank, '{' or line break.
  const size_t value_start = pos_;
  while (pos_ < size && b[pos_] != ' ' && b[pos_] != '\t' && b[pos_] != '\n' && b[pos_] != '{') {
    ++pos_;
  }
  if (pos_ == value_start) {
    return Fail(pos_,
                "expected value after metric " + GoQuote(series_) + ", got " + Describe(pos_));
  }
  const std::string_view value = body_.substr(value_start, pos_ - value_start);
  switch (ParseGoFloat(value, &value_)) {
    case NumberError::kNone:
      break;
    case NumberError::kUnsupportedChar:
      return Fail(value_start, "unsupported character in float " + GoQuote(value));
    case NumberError::kRange:
      return Fail(value_start, "value " + GoQuote(value) + " out of range");
    case NumberError::kSyntax:
      return Fail(value_start, "invalid value " + GoQuote(value));
  }
  SkipBlanks();
  has_timestamp_ = false;
  if (pos_ < size && b[pos_] != '\n') {
    const size_t ts_start = pos_;
    while (pos_ < size && chars::Is(b[pos_], chars::kDigit)) ++pos_;
    if (pos_ == ts_start) {
      return Fail(pos_, "expected timestamp or end of line, got " + Describe(pos_));
    }
    const std::string_view ts = body_.substr(ts_start, pos_ - ts_start);
    if (ParseDigits(ts, &timestamp_) != NumberError::kNone) {
      return Fail(ts_start, "timestamp " + GoQuote(ts) + " out of range");
    }
    has_timestamp_ = true;
    SkipBlanks();
    if (pos_ < size && b[pos_] != '\n') {
      return Fail(pos_, "expected end of line after timestamp, got " + Describe(pos_));
    }
  }
  if (pos_ < size) ++pos_;  // '\n'
  if (!labels_.empty()) {
    if (auto dup = DuplicateLabel()) {
      return Fail(start, "label name " + GoQuote(*dup) + " is not unique in " + GoQuote(series_));
    }
  }
  return Entry::kSeries;
}

}  // namespace tsdbd::scrape::textparse
