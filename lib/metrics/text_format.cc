#include "lib/metrics/text_format.h"

#include <limits>

#include "lib/model/value_format.h"

namespace tsdbd::metrics {
namespace {

void AppendLabels(std::string& out, std::span<const LabelRef> labels) {
  bool first = true;
  for (const LabelRef& l : labels) {
    out += first ? '{' : ',';
    first = false;
    out += l.name;
    out += "=\"";
    AppendEscapedLabelValue(out, l.value);
    out += '"';
  }
}

}  // namespace

void AppendHelpAndType(std::string& out, std::string_view name, std::string_view help,
                       MetricType type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += MetricTypeName(type);
  out += '\n';
}

void AppendSampleValue(std::string& out, double v) {
  if (v == 0) {
    out += '0';
  } else {
    AppendFloatG(out, v);
  }
}

void AppendEscapedLabelValue(std::string& out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

void AppendSample(std::string& out, std::string_view name, std::string_view suffix,
                  std::span<const LabelRef> labels, double value) {
  out += name;
  out += suffix;
  AppendLabels(out, labels);
  if (!labels.empty()) out += '}';
  out += ' ';
  AppendSampleValue(out, value);
  out += '\n';
}

void AppendSampleWithBound(std::string& out, std::string_view name, std::string_view suffix,
                           std::span<const LabelRef> labels, std::string_view bound_label,
                           double bound, double value) {
  out += name;
  out += suffix;
  AppendLabels(out, labels);
  out += labels.empty() ? '{' : ',';
  out += bound_label;
  out += "=\"";
  AppendSampleValue(out, bound);
  out += "\"} ";
  AppendSampleValue(out, value);
  out += '\n';
}

void AppendMetricText(std::string& out, std::string_view name, std::span<const LabelRef> labels,
                      const Counter& counter) {
  AppendSample(out, name, "", labels, counter.Value());
}

void AppendMetricText(std::string& out, std::string_view name, std::span<const LabelRef> labels,
                      const Gauge& gauge) {
  AppendSample(out, name, "", labels, gauge.Value());
}

void AppendMetricText(std::string& out, std::string_view name, std::span<const LabelRef> labels,
                      const Histogram& histogram) {
  Histogram::Snapshot s = histogram.Read();
  std::span<const double> bounds = histogram.bounds();
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < s.bucket_counts.size(); ++i) {
    cumulative += s.bucket_counts[i];
    double le = i < bounds.size() ? bounds[i] : std::numeric_limits<double>::infinity();
    AppendSampleWithBound(out, name, "_bucket", labels, "le", le, static_cast<double>(cumulative));
  }
  AppendSample(out, name, "_sum", labels, s.sum);
  AppendSample(out, name, "_count", labels, static_cast<double>(s.count));
}

void AppendMetricText(std::string& out, std::string_view name, std::span<const LabelRef> labels,
                      const Summary& summary) {
  Summary::Snapshot s = summary.Read();
  std::span<const double> quantiles = summary.quantiles();
  for (std::size_t i = 0; i < quantiles.size(); ++i) {
    AppendSampleWithBound(out, name, "", labels, "quantile", quantiles[i], s.values[i]);
  }
  AppendSample(out, name, "_sum", labels, s.sum);
  AppendSample(out, name, "_count", labels, static_cast<double>(s.count));
}

}  // namespace tsdbd::metrics
