#include "lib/metrics/collector.h"

#include <algorithm>

#include "lib/metrics/names.h"
#include "lib/metrics/programming_error.h"

namespace tsdbd::metrics {

void CollectorWriter::BeginFamily(std::string_view name, std::string_view help, MetricType type) {
  if (std::find(declared_.begin(), declared_.end(), name) == declared_.end()) {
    ProgrammingError("collector wrote undeclared family " + std::string(name));
  }
  if (type == MetricType::kHistogram || type == MetricType::kSummary) {
    ProgrammingError("collector family " + std::string(name) + ": " +
                     std::string(MetricTypeName(type)) + " not supported");
  }
  for (std::size_t i = 0; i < families_.size(); ++i) {
    if (families_[i].name == name) {
      current_ = i;
      return;
    }
  }
  families_.push_back({std::string(name), std::string(help), type, {}});
  current_ = families_.size() - 1;
}

void CollectorWriter::AddSample(std::span<const LabelRef> labels, double value) {
  if (current_ >= families_.size()) ProgrammingError("collector sample before BeginFamily");
  Sample s{{}, value};
  s.labels.reserve(labels.size());
  for (const LabelRef& l : labels) {
    if (!IsUsableLabelName(l.name)) {
      ProgrammingError("collector family " + families_[current_].name + ": invalid label name " +
                       std::string(l.name));
    }
    s.labels.emplace_back(l.name, l.value);
  }
  std::sort(s.labels.begin(), s.labels.end());
  families_[current_].samples.push_back(std::move(s));
}

void CollectorWriter::AddGauge(std::string_view name, std::string_view help, double value) {
  BeginFamily(name, help, MetricType::kGauge);
  AddSample(value);
}

void CollectorWriter::AddCounter(std::string_view name, std::string_view help, double value) {
  BeginFamily(name, help, MetricType::kCounter);
  AddSample(value);
}

}  // namespace tsdbd::metrics
