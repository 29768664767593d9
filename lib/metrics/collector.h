// Collectors: functions the Registry calls at scrape time to write samples that are cheaper
// to read on demand than to keep up to date (series counts, process statistics).
#pragma once

#include <functional>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/metrics/metric_type.h"
#include "lib/metrics/text_format.h"

namespace tsdbd::metrics {

// Receives one collector's families and samples during a scrape. Not thread-safe: it lives
// for one call of the collector.
class CollectorWriter {
 public:
  // declared: the family names the collector was registered with.
  explicit CollectorWriter(std::span<const std::string> declared) : declared_(declared) {}

  // Starts a family; the samples added next belong to it. The name must be one the collector
  // declared and the type counter, gauge or untyped (else the process aborts). A family
  // started again in the same collection keeps its first help and type.
  void BeginFamily(std::string_view name, std::string_view help, MetricType type);
  // Adds a sample to the current family. Label names must be valid; they are written
  // sorted by name.
  void AddSample(std::span<const LabelRef> labels, double value);
  void AddSample(std::initializer_list<LabelRef> labels, double value) {
    AddSample(std::span<const LabelRef>(labels.begin(), labels.size()), value);
  }
  void AddSample(double value) { AddSample(std::span<const LabelRef>(), value); }

  // A family holding one unlabelled sample.
  void AddGauge(std::string_view name, std::string_view help, double value);
  void AddCounter(std::string_view name, std::string_view help, double value);

  // What was collected, for the Registry.
  struct Sample {
    std::vector<std::pair<std::string, std::string>> labels;  // sorted by name
    double value;
  };
  struct CollectedFamily {
    std::string name;
    std::string help;
    MetricType type;
    std::vector<Sample> samples;
  };
  std::vector<CollectedFamily>& families() { return families_; }

 private:
  std::span<const std::string> declared_;
  std::vector<CollectedFamily> families_;
  std::size_t current_ = static_cast<std::size_t>(-1);  // index into families_
};

using CollectFunction = std::function<void(CollectorWriter&)>;

}  // namespace tsdbd::metrics
