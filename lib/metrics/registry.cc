#include "lib/metrics/registry.h"

#include <algorithm>

#include "lib/metrics/names.h"
#include "lib/metrics/process_collector.h"
#include "lib/metrics/programming_error.h"

namespace tsdbd::metrics {
namespace {

// A family of one sample whose value a callback returns.
class FuncFamily final : public FamilyBase {
 public:
  FuncFamily(std::string name, std::string help, MetricType type, std::function<double()> fn)
      : FamilyBase(std::move(name), std::move(help), type, {}), fn_(std::move(fn)) {}

  void AppendText(std::string& out) const override {
    AppendHelpAndType(out, name(), help(), type());
    AppendSample(out, name(), "", {}, fn_());
  }

 private:
  std::function<double()> fn_;
};

void AppendCollected(std::string& out, CollectorWriter::CollectedFamily& f) {
  if (f.samples.empty()) return;
  using Sample = CollectorWriter::Sample;
  std::sort(f.samples.begin(), f.samples.end(), [](const Sample& a, const Sample& b) {
    if (a.labels.size() != b.labels.size()) return a.labels.size() < b.labels.size();
    for (std::size_t i = 0; i < a.labels.size(); ++i) {
      if (a.labels[i].second != b.labels[i].second) return a.labels[i].second < b.labels[i].second;
    }
    return a.labels < b.labels;
  });
  AppendHelpAndType(out, f.name, f.help, f.type);
  std::vector<LabelRef> labels;
  for (const Sample& s : f.samples) {
    labels.clear();
    for (const auto& [n, v] : s.labels) labels.push_back({n, v});
    AppendSample(out, f.name, "", labels, s.value);
  }
}

}  // namespace

Registration::Registration(Registration&& other) noexcept
    : registry_(other.registry_), id_(other.id_) {
  other.registry_ = nullptr;
}

Registration& Registration::operator=(Registration&& other) noexcept {
  if (this != &other) {
    Reset();
    registry_ = other.registry_;
    id_ = other.id_;
    other.registry_ = nullptr;
  }
  return *this;
}

void Registration::Reset() {
  if (registry_ != nullptr) registry_->Unregister(id_);
  registry_ = nullptr;
}

Registry::Registry() = default;
Registry::~Registry() = default;

void Registry::CheckNewName(std::string_view name) const {
  if (!tsdbd::IsValidMetricName(name))
    ProgrammingError("invalid metric name \"" + std::string(name) + "\"");
  if (families_.contains(name) || collector_names_.contains(name)) {
    ProgrammingError("duplicate metric name \"" + std::string(name) + "\"");
  }
}

void Registry::CheckLabelNames(std::string_view name, const std::vector<std::string>& label_names,
                               std::string_view reserved) const {
  for (std::size_t i = 0; i < label_names.size(); ++i) {
    const std::string& l = label_names[i];
    if (!IsUsableLabelName(l) || (!reserved.empty() && l == reserved)) {
      ProgrammingError(std::string(name) + ": invalid label name \"" + l + "\"");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (label_names[j] == l) {
        ProgrammingError(std::string(name) + ": duplicate label name \"" + l + "\"");
      }
    }
  }
}

std::shared_ptr<const std::vector<double>> Registry::CheckBuckets(std::string_view name,
                                                                  std::vector<double> buckets) {
  if (!ValidateBuckets(buckets)) {
    ProgrammingError(std::string(name) + ": histogram buckets must be increasing, without NaN");
  }
  return std::make_shared<const std::vector<double>>(std::move(buckets));
}

template <typename T>
Family<T>& Registry::AddFamily(std::string name, std::string help, MetricType type,
                               std::vector<std::string> label_names, typename T::Options options) {
  std::lock_guard lock(mu_);
  CheckNewName(name);
  CheckLabelNames(name, label_names,
                  type == MetricType::kHistogram ? "le"
                  : type == MetricType::kSummary ? "quantile"
                                                 : "");
  auto family = std::make_unique<Family<T>>(name, std::move(help), type, std::move(label_names),
                                            std::move(options));
  Family<T>& ref = *family;
  families_.emplace(std::move(name), std::move(family));
  return ref;
}

Counter& Registry::AddCounter(std::string name, std::string help) {
  return AddCounterFamily(std::move(name), std::move(help), {}).WithLabelValues({});
}

Gauge& Registry::AddGauge(std::string name, std::string help) {
  return AddGaugeFamily(std::move(name), std::move(help), {}).WithLabelValues({});
}

Histogram& Registry::AddHistogram(std::string name, std::string help, std::vector<double> buckets) {
  return AddHistogramFamily(std::move(name), std::move(help), {}, std::move(buckets))
      .WithLabelValues({});
}

CounterFamily& Registry::AddCounterFamily(std::string name, std::string help,
                                          std::vector<std::string> label_names) {
  return AddFamily<Counter>(std::move(name), std::move(help), MetricType::kCounter,
                            std::move(label_names), {});
}

GaugeFamily& Registry::AddGaugeFamily(std::string name, std::string help,
                                      std::vector<std::string> label_names) {
  return AddFamily<Gauge>(std::move(name), std::move(help), MetricType::kGauge,
                          std::move(label_names), {});
}

HistogramFamily& Registry::AddHistogramFamily(std::string name, std::string help,
                                              std::vector<std::string> label_names,
                                              std::vector<double> buckets) {
  Histogram::Options options{CheckBuckets(name, std::move(buckets))};
  return AddFamily<Histogram>(std::move(name), std::move(help), MetricType::kHistogram,
                              std::move(label_names), std::move(options));
}

Summary& Registry::AddSummary(std::string name, std::string help, std::vector<double> quantiles,
                              Summary::Clock::duration max_age, int age_buckets) {
  return AddSummaryFamily(std::move(name), std::move(help), {}, std::move(quantiles), max_age,
                          age_buckets)
      .WithLabelValues({});
}

SummaryFamily& Registry::AddSummaryFamily(std::string name, std::string help,
                                          std::vector<std::string> label_names,
                                          std::vector<double> quantiles,
                                          Summary::Clock::duration max_age, int age_buckets) {
  if (!ValidateQuantiles(quantiles)) {
    ProgrammingError(name + ": summary quantiles must be increasing, in [0, 1]");
  }
  if (max_age <= Summary::Clock::duration::zero() || age_buckets < 1) {
    ProgrammingError(name + ": summary max age must be positive, age buckets at least 1");
  }
  Summary::Options options;
  options.quantiles = std::make_shared<const std::vector<double>>(std::move(quantiles));
  options.max_age = max_age;
  options.age_buckets = age_buckets;
  return AddFamily<Summary>(std::move(name), std::move(help), MetricType::kSummary,
                            std::move(label_names), std::move(options));
}

Registration Registry::AddFunc(std::string name, std::string help, MetricType type,
                               std::function<double()> fn) {
  std::lock_guard lock(mu_);
  CheckNewName(name);
  const std::uint64_t id = next_id_++;
  func_names_.emplace(id, name);
  auto family = std::make_unique<FuncFamily>(name, std::move(help), type, std::move(fn));
  families_.emplace(std::move(name), std::move(family));
  return Registration(this, id);
}

Registration Registry::AddGaugeFunc(std::string name, std::string help,
                                    std::function<double()> fn) {
  return AddFunc(std::move(name), std::move(help), MetricType::kGauge, std::move(fn));
}

Registration Registry::AddCounterFunc(std::string name, std::string help,
                                      std::function<double()> fn) {
  return AddFunc(std::move(name), std::move(help), MetricType::kCounter, std::move(fn));
}

Registration Registry::AddCollector(std::vector<std::string> family_names, CollectFunction fn) {
  std::lock_guard lock(mu_);
  for (std::size_t i = 0; i < family_names.size(); ++i) {
    CheckNewName(family_names[i]);
    for (std::size_t j = 0; j < i; ++j) {
      if (family_names[j] == family_names[i]) {
        ProgrammingError("duplicate metric name \"" + family_names[i] + "\"");
      }
    }
  }
  const std::uint64_t id = next_id_++;
  for (const std::string& n : family_names) collector_names_.insert(n);
  collectors_.emplace(id, CollectorEntry{std::move(family_names), std::move(fn)});
  return Registration(this, id);
}

void Registry::Unregister(std::uint64_t id) {
  std::lock_guard lock(mu_);
  if (auto it = func_names_.find(id); it != func_names_.end()) {
    families_.erase(it->second);
    func_names_.erase(it);
  }
  if (auto it = collectors_.find(id); it != collectors_.end()) {
    for (const std::string& n : it->second.names) collector_names_.erase(n);
    collectors_.erase(it);
  }
}

void Registry::AppendText(std::string& out) const {
  std::lock_guard lock(mu_);
  // Collected families are merged into the registered ones by name.
  std::vector<CollectorWriter::CollectedFamily> collected;
  for (const auto& [id, entry] : collectors_) {
    CollectorWriter writer(entry.names);
    entry.fn(writer);
    for (auto& f : writer.families()) collected.push_back(std::move(f));
  }
  std::sort(collected.begin(), collected.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  auto next = collected.begin();
  for (const auto& [name, family] : families_) {
    for (; next != collected.end() && next->name < name; ++next) AppendCollected(out, *next);
    family->AppendText(out);
  }
  for (; next != collected.end(); ++next) AppendCollected(out, *next);
}

std::string Registry::WriteText() const {
  std::string out;
  AppendText(out);
  return out;
}

Registry& DefaultRegistry() {
  static Registry* registry = [] {
    auto* r = new Registry();  // never destroyed: metrics may be touched during exit
    AddProcessCollector(*r).Release();
    return r;
  }();
  return *registry;
}

}  // namespace tsdbd::metrics
