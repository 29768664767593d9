#include "lib/scrape/textparse/openmetrics_parser.h"

#include <cmath>
#include <string>

#include "lib/model/go_quote.h"
#include "lib/model/names.h"
#include "lib/scrape/textparse/chars.h"
#include "lib/scrape/textparse/float_parse.h"

namespace tsdbd::scrape::textparse {
namespace {

std::string NumberMessage(NumberError e, std::string_view what, std::string_view token) {
  switch (e) {
    case NumberError::kUnsupportedChar:
      return "unsupported character in float " + GoQuote(token);
    case NumberError::kRange:
      return std::string(what) + " " + GoQuote(token) + " out of range";
    default:
      return "invalid " + std::string(what) + " " + GoQuote(token);
  }
}

}  // namespace

Result<Entry> OpenMetricsParser::Next() {
  if (done_) return Entry::kEOF;
  if (pos_ >= body_.size()) return Fail(pos_, "data does not end with # EOF");
  const char c = body_[pos_];
  if (c == '#') return ParseMetadata();
  if (chars::Is(c, chars::kMetricStart)) return ParseSample();
  return Fail(pos_, Describe(pos_) + " is not a valid start of a line");
}

Result<Entry> OpenMetricsParser::ParseMetadata() {
  const size_t start = pos_;
  const std::string_view rest = body_.substr(pos_);
  if (rest.starts_with("# EOF")) {
    pos_ += 5;
    if (pos_ < body_.size() && body_[pos_] == '\n') ++pos_;
    if (pos_ < body_.size()) return Fail(pos_, "unexpected data after # EOF");
    done_ = true;
    return Entry::kEOF;
  }
  Entry entry;
  if (rest.starts_with("# HELP ")) {
    entry = Entry::kHelp;
  } else if (rest.starts_with("# TYPE ")) {
    entry = Entry::kType;
  } else if (rest.starts_with("# UNIT ")) {
    entry = Entry::kUnit;
  } else {
    return Fail(start, "comments other than # HELP, # TYPE, # UNIT and # EOF are not allowed");
  }
  const std::string_view what = rest.substr(2, 4);
  pos_ += 7;
  const size_t name_start = pos_;
  while (pos_ < body_.size() && chars::Is(body_[pos_], chars::kMetric)) ++pos_;
  if (pos_ == name_start || !chars::Is(body_[name_start], chars::kMetricStart)) {
    return Fail(
        pos_, "expected metric name after " + std::string(what) + ", got " + Describe(name_start));
  }
  metadata_name_ = body_.substr(name_start, pos_ - name_start);
  if (pos_ >= body_.size() || body_[pos_] != ' ') {
    return Fail(pos_, "expected a space and text after # " + std::string(what) + " " +
                          std::string(metadata_name_) + ", got " + Describe(pos_));
  }
  const size_t text_start = pos_ + 1;
  const size_t nl = body_.find('\n', text_start);
  if (nl == std::string_view::npos) {
    return Fail(pos_, "# " + std::string(what) + " line does not end with a line break");
  }
  metadata_text_ = body_.substr(text_start, nl - text_start);
  pos_ = nl + 1;
  const std::string_view text = metadata_text_;
  if (entry == Entry::kHelp) {
    if (!IsValidLabelValue(text)) return Fail(start, "help text is not valid UTF-8");
  } else if (entry == Entry::kType) {
    if (text == "counter") {
      type_ = MetricType::kCounter;
    } else if (text == "gauge") {
      type_ = MetricType::kGauge;
    } else if (text == "histogram") {
      type_ = MetricType::kHistogram;
    } else if (text == "gaugehistogram") {
      type_ = MetricType::kGaugeHistogram;
    } else if (text == "summary") {
      type_ = MetricType::kSummary;
    } else if (text == "info") {
      type_ = MetricType::kInfo;
    } else if (text == "stateset") {
      type_ = MetricType::kStateset;
    } else if (text == "unknown") {
      type_ = MetricType::kUnknown;
    } else {
      return Fail(start, "invalid metric type " + GoQuote(text));
    }
  } else if (!text.empty()) {  // UNIT: the name must end in "_<unit>"
    const std::string_view name = metadata_name_;
    if (!(name.size() > text.size() && name.ends_with(text) &&
          name[name.size() - text.size() - 1] == '_')) {
      return Fail(start, "unit " + GoQuote(text) + " is not a suffix of metric " + GoQuote(name));
    }
  }
  return entry;
}

std::optional<Error> OpenMetricsParser::ParseLabels(std::vector<LabelSpan>* out) {
  const size_t size = body_.size();
  const char* b = body_.data();
  ++pos_;  // '{'
  bool first = true;
  while (true) {
    if (pos_ < size && b[pos_] == '}') {
      ++pos_;
      return std::nullopt;
    }
    if (!first) {
      if (pos_ >= size || b[pos_] != ',') {
        return Fail(pos_, "expected ',' or '}' after label value, got " + Describe(pos_));
      }
      ++pos_;
      if (pos_ >= size || !chars::Is(b[pos_], chars::kLabelStart)) {
        return Fail(pos_, "expected label name after ',', got " + Describe(pos_));
      }
    } else if (pos_ >= size || !chars::Is(b[pos_], chars::kLabelStart)) {
      return Fail(pos_, "expected label name or '}', got " + Describe(pos_));
    }
    first = false;
    const size_t name_start = pos_;
    while (pos_ < size && chars::Is(b[pos_], chars::kLabel)) ++pos_;
    const std::string_view name = body_.substr(name_start, pos_ - name_start);
    if (pos_ >= size || b[pos_] != '=') {
      return Fail(pos_,
                  "expected '=' after label name " + GoQuote(name) + ", got " + Describe(pos_));
    }
    ++pos_;
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
      if (pos_ >= size || b[pos_] == '\n') {
        return Fail(quote, "unterminated label value for " + GoQuote(name));
      }
      const char c = b[pos_];
      if (c == '"') break;
      if (c == '\\') {
        if (pos_ + 1 >= size || b[pos_ + 1] == '\n') {
          return Fail(quote, "unterminated label value for " + GoQuote(name));
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
    ++pos_;
    if ((high & 0x80) && !IsValidLabelValue(value)) {
      return Fail(quote, "invalid UTF-8 in label value for " + GoQuote(name));
    }
    out->push_back({name, value, escaped});
  }
}

bool OpenMetricsParser::ReadSpacedToken(std::string_view* token) {
  const size_t size = body_.size();
  if (pos_ + 1 >= size || body_[pos_] != ' ') return false;
  size_t end = pos_ + 1;
  while (end < size && body_[end] != ' ' && body_[end] != '\n') ++end;
  if (end == pos_ + 1) return false;
  *token = body_.substr(pos_ + 1, end - pos_ - 1);
  pos_ = end;
  return true;
}

Result<Entry> OpenMetricsParser::ParseSample() {
  const size_t start = pos_;
  const size_t size = body_.size();
  const char* b = body_.data();
  while (pos_ < size && chars::Is(b[pos_], chars::kMetric)) ++pos_;
  metric_name_ = body_.substr(start, pos_ - start);
  labels_.clear();
  has_exemplar_ = false;
  has_timestamp_ = false;
  if (pos_ < size && b[pos_] == '{') {
    if (auto err = ParseLabels(&labels_)) return std::move(*err);
  }
  series_ = body_.substr(start, pos_ - start);

  std::string_view token;
  size_t token_pos = pos_ + 1;
  if (!ReadSpacedToken(&token)) {
    return Fail(pos_, "expected a space and a value after " + GoQuote(series_) + ", got " +
                          Describe(pos_ < size && b[pos_] == ' ' ? pos_ + 1 : pos_));
  }
  if (NumberError e = ParseGoFloat(token, &value_); e != NumberError::kNone) {
    return Fail(token_pos, NumberMessage(e, "value", token));
  }
  bool timestamp_read = false;
  while (true) {
    if (pos_ >= size) return Fail(pos_, "data does not end with # EOF");
    if (b[pos_] == '\n') {
      ++pos_;
      break;
    }
    if (body_.substr(pos_, 4) == " # {") {
      pos_ += 3;
      if (auto err = ParseExemplar(start)) return std::move(*err);
      break;
    }
    if (timestamp_read) {
      return Fail(pos_, "expected end of line or exemplar after timestamp, got " +
                            Describe(pos_ < size && b[pos_] == ' ' ? pos_ + 1 : pos_));
    }
    token_pos = pos_ + 1;
    if (!ReadSpacedToken(&token)) {
      return Fail(pos_, "expected a space and a timestamp, an exemplar or end of line, got " +
                            Describe(pos_ < size && b[pos_] == ' ' ? pos_ + 1 : pos_));
    }
    double seconds = 0;
    if (NumberError e = ParseGoFloat(token, &seconds); e != NumberError::kNone) {
      return Fail(token_pos, NumberMessage(e, "timestamp", token));
    }
    if (!std::isfinite(seconds)) return Fail(token_pos, "invalid timestamp " + GoQuote(token));
    timestamp_ = SecondsToMillis(seconds);
    has_timestamp_ = true;
    timestamp_read = true;
  }
  if (!labels_.empty()) {
    if (auto dup = DuplicateLabel()) {
      return Fail(start, "label name " + GoQuote(*dup) + " is not unique in " + GoQuote(series_));
    }
  }
  return Entry::kSeries;
}

std::optional<Error> OpenMetricsParser::ParseExemplar(size_t series_start) {
  const size_t size = body_.size();
  exemplar_labels_.clear();
  if (auto err = ParseLabels(&exemplar_labels_)) return err;
  std::string_view token;
  size_t token_pos = pos_ + 1;
  if (!ReadSpacedToken(&token)) {
    return Fail(pos_, "expected a space and a value after exemplar labels, got " +
                          Describe(pos_ < size && body_[pos_] == ' ' ? pos_ + 1 : pos_));
  }
  if (NumberError e = ParseGoFloat(token, &exemplar_value_); e != NumberError::kNone) {
    return Fail(token_pos, NumberMessage(e, "exemplar value", token));
  }
  exemplar_has_timestamp_ = false;
  if (pos_ < size && body_[pos_] == ' ') {
    token_pos = pos_ + 1;
    if (!ReadSpacedToken(&token)) {
      return Fail(pos_, "expected a space and a timestamp after the exemplar value, got " +
                            Describe(pos_ + 1));
    }
    double seconds = 0;
    if (NumberError e = ParseGoFloat(token, &seconds); e != NumberError::kNone) {
      return Fail(token_pos, NumberMessage(e, "exemplar timestamp", token));
    }
    if (!std::isfinite(seconds)) {
      return Fail(token_pos, "invalid exemplar timestamp " + GoQuote(token));
    }
    exemplar_timestamp_ = SecondsToMillis(seconds);
    exemplar_has_timestamp_ = true;
  }
  if (pos_ >= size) return Fail(pos_, "data does not end with # EOF");
  if (body_[pos_] != '\n') {
    return Fail(pos_, "expected end of line after exemplar, got " +
                          Describe(body_[pos_] == ' ' ? pos_ + 1 : pos_));
  }
  ++pos_;
  const std::string_view name = metric_name_;
  if (!name.ends_with("_total") && !name.ends_with("_bucket")) {
    return Fail(series_start, "metric name " + std::string(name) + " does not support exemplars");
  }
  has_exemplar_ = true;
  return std::nullopt;
}

}  // namespace tsdbd::scrape::textparse
