// The registry of self-metrics and its text exposition (Prometheus text format 0.0.4, as the
// Go client writes it: families sorted by name, children by label values, no timestamps).
//
// Every module registers its metrics in a Registry it is given; cmd/tsdbd passes
// DefaultRegistry(), tests pass one of their own. All methods are thread-safe. Names are
// constants, so misuse (a duplicate or invalid name, invalid label names or buckets) is a
// programming error: it is reported on stderr and the process aborts.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "lib/metrics/collector.h"
#include "lib/metrics/counter.h"
#include "lib/metrics/family.h"
#include "lib/metrics/gauge.h"
#include "lib/metrics/histogram.h"
#include "lib/metrics/summary.h"

namespace tsdbd::metrics {

class Registry;

// Keeps a callback metric or collector registered; unregisters it when destroyed or Reset.
// After Reset returns, the callback is not running and will not run again. It must not be
// destroyed from inside a callback, and the Registry must outlive it.
class [[nodiscard]] Registration {
 public:
  Registration() = default;
  Registration(Registration&& other) noexcept;
  Registration& operator=(Registration&& other) noexcept;
  ~Registration() { Reset(); }

  void Reset();
  // Leaves the registration in place for the Registry's lifetime.
  void Release() { registry_ = nullptr; }

 private:
  friend class Registry;
  Registration(Registry* registry, std::uint64_t id) : registry_(registry), id_(id) {}
  Registry* registry_ = nullptr;
  std::uint64_t id_ = 0;
};

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Metrics owned by the Registry; the references stay valid for its lifetime.
  Counter& AddCounter(std::string name, std::string help);
  Gauge& AddGauge(std::string name, std::string help);
  Histogram& AddHistogram(std::string name, std::string help,
                          std::vector<double> buckets = DefaultBuckets());
  // quantiles: see Summary::Options; max_age and age_buckets as the Go client's MaxAge and
  // AgeBuckets (10m and 5 unless given).
  Summary& AddSummary(std::string name, std::string help, std::vector<double> quantiles,
                      Summary::Clock::duration max_age = kDefaultSummaryMaxAge,
                      int age_buckets = kDefaultSummaryAgeBuckets);

  // Families with label names (valid, distinct, not "le" for histograms nor "quantile" for
  // summaries); children are made by WithLabelValues.
  CounterFamily& AddCounterFamily(std::string name, std::string help,
                                  std::vector<std::string> label_names);
  GaugeFamily& AddGaugeFamily(std::string name, std::string help,
                              std::vector<std::string> label_names);
  HistogramFamily& AddHistogramFamily(std::string name, std::string help,
                                      std::vector<std::string> label_names,
                                      std::vector<double> buckets = DefaultBuckets());
  SummaryFamily& AddSummaryFamily(std::string name, std::string help,
                                  std::vector<std::string> label_names,
                                  std::vector<double> quantiles,
                                  Summary::Clock::duration max_age = kDefaultSummaryMaxAge,
                                  int age_buckets = kDefaultSummaryAgeBuckets);

  // A metric whose value fn returns at scrape time, on the scraping thread, with the
  // Registry's lock held (fn must not call into this Registry).
  Registration AddGaugeFunc(std::string name, std::string help, std::function<double()> fn);
  Registration AddCounterFunc(std::string name, std::string help, std::function<double()> fn);

  // fn is called at every scrape (same conditions as above) and writes families whose names
  // are among family_names; those names are reserved like any other.
  Registration AddCollector(std::vector<std::string> family_names, CollectFunction fn);

  // The exposition of everything registered.
  std::string WriteText() const;
  void AppendText(std::string& out) const;

 private:
  friend class Registration;
  struct CollectorEntry {
    std::vector<std::string> names;
    CollectFunction fn;
  };

  // Aborts unless name is a valid metric name not yet taken. Requires mu_.
  void CheckNewName(std::string_view name) const;
  // reserved: the label name the type adds ("le", "quantile"), or empty.
  void CheckLabelNames(std::string_view name, const std::vector<std::string>& label_names,
                       std::string_view reserved) const;
  static std::shared_ptr<const std::vector<double>> CheckBuckets(std::string_view name,
                                                                 std::vector<double> buckets);
  template <typename T>
  Family<T>& AddFamily(std::string name, std::string help, MetricType type,
                       std::vector<std::string> label_names, typename T::Options options);
  Registration AddFunc(std::string name, std::string help, MetricType type,
                       std::function<double()> fn);
  void Unregister(std::uint64_t id);

  mutable std::mutex mu_;  // guards everything below; held during a whole scrape
  std::map<std::string, std::unique_ptr<FamilyBase>, std::less<>> families_;
  std::map<std::uint64_t, std::string> func_names_;  // registration id -> callback family
  std::map<std::uint64_t, CollectorEntry> collectors_;
  std::set<std::string, std::less<>> collector_names_;
  std::uint64_t next_id_ = 1;
};

// The process-wide registry: the only global mutable state in tsdbd. It holds the process
// collector (process_* metrics) from its first use.
Registry& DefaultRegistry();

}  // namespace tsdbd::metrics
