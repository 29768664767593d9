#include "lib/scrape/textparse/parser.h"

#include <algorithm>
#include <string>

#include "lib/model/go_quote.h"
#include "lib/scrape/textparse/escape.h"
#include "lib/scrape/textparse/openmetrics_parser.h"
#include "lib/scrape/textparse/text_parser.h"

namespace tsdbd::scrape::textparse {

std::string_view MetricTypeName(MetricType type) {
  switch (type) {
    case MetricType::kUnknown:
      return "unknown";
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
    case MetricType::kGaugeHistogram:
      return "gaugehistogram";
    case MetricType::kSummary:
      return "summary";
    case MetricType::kInfo:
      return "info";
    case MetricType::kStateset:
      return "stateset";
  }
  return "unknown";
}

std::unique_ptr<Parser> Parser::New(std::string_view body, std::string_view content_type) {
  return New(body, FormatForContentType(content_type));
}

std::unique_ptr<Parser> Parser::New(std::string_view body, Format format) {
  if (format == Format::kOpenMetrics) return std::make_unique<OpenMetricsParser>(body);
  return std::make_unique<TextParser>(body);
}

void Parser::BuildLabels(LabelsBuilder& builder) const {
  builder.Reset(Labels());
  builder.Set(kMetricName, metric_name_);
  for (const LabelSpan& l : labels_) {
    if (l.value.empty()) continue;
    if (l.escaped) {
      builder.Set(l.name, UnescapeLabelValue(l.value));
    } else {
      builder.Set(l.name, l.value);
    }
  }
}

bool Parser::Exemplar(textparse::Exemplar* out) const {
  if (!has_exemplar_) return false;
  LabelsBuilder builder;
  for (const LabelSpan& l : exemplar_labels_) {
    if (l.value.empty()) continue;
    if (l.escaped) {
      builder.Set(l.name, UnescapeLabelValue(l.value));
    } else {
      builder.Set(l.name, l.value);
    }
  }
  out->labels = builder.Build();
  out->value = exemplar_value_;
  out->timestamp =
      exemplar_has_timestamp_ ? std::optional<int64_t>(exemplar_timestamp_) : std::nullopt;
  return true;
}

std::string Parser::Help() const {
  if (metadata_text_.find('\\') == std::string_view::npos) return std::string(metadata_text_);
  return format_ == Format::kOpenMetrics ? UnescapeLabelValue(metadata_text_)
                                         : UnescapeTextHelp(metadata_text_);
}

Error Parser::Fail(size_t pos, std::string_view what) const {
  pos = std::min(pos, body_.size());
  const size_t line = 1 + std::count(body_.begin(), body_.begin() + pos, '\n');
  std::string msg = "line " + std::to_string(line) + ": ";
  msg.append(what);
  return Error(std::move(msg));
}

std::string Parser::Describe(size_t pos) const {
  if (pos >= body_.size()) return "end of input";
  if (body_[pos] == '\n') return "end of line";
  // The token at pos: up to the next space, line break or quote, at most 40 bytes; a blank
  // alone when one stands at pos.
  size_t end = pos + 1;
  while (body_[pos] != ' ' && body_[pos] != '\t' && end < body_.size() && end - pos < 40 &&
         body_[end] != ' ' && body_[end] != '\t' && body_[end] != '\n' && body_[end] != '"') {
    ++end;
  }
  return GoQuote(body_.substr(pos, end - pos));
}

std::optional<std::string> Parser::DuplicateLabel() {
  const size_t n = labels_.size();
  if (n == 0) return std::nullopt;
  if (n <= 16) {
    for (size_t i = 0; i < n; ++i) {
      const LabelSpan& a = labels_[i];
      if (a.value.empty()) continue;
      if (a.name == kMetricName) return std::string(kMetricName);
      for (size_t j = i + 1; j < n; ++j) {
        if (labels_[j].name == a.name && !labels_[j].value.empty()) return std::string(a.name);
      }
    }
    return std::nullopt;
  }
  sorted_names_.clear();
  sorted_names_.push_back(kMetricName);
  for (const LabelSpan& l : labels_) {
    if (!l.value.empty()) sorted_names_.push_back(l.name);
  }
  std::sort(sorted_names_.begin(), sorted_names_.end());
  const auto dup = std::adjacent_find(sorted_names_.begin(), sorted_names_.end());
  if (dup != sorted_names_.end()) return std::string(*dup);
  return std::nullopt;
}

}  // namespace tsdbd::scrape::textparse
