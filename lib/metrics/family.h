// A metric family: one name, help and type, and one child metric per combination of label
// values (a "vector" in the Go client).
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "lib/metrics/metric_type.h"
#include "lib/metrics/text_format.h"

namespace tsdbd::metrics {

// What the Registry holds: a named family that can write itself in the text format.
class FamilyBase {
 public:
  // label_names must be valid and distinct (the Registry checks before constructing).
  FamilyBase(std::string name, std::string help, MetricType type,
             std::vector<std::string> label_names);
  virtual ~FamilyBase() = default;
  FamilyBase(const FamilyBase&) = delete;
  FamilyBase& operator=(const FamilyBase&) = delete;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  MetricType type() const { return type_; }
  // In the order given at registration; WithLabelValues takes values in this order.
  const std::vector<std::string>& label_names() const { return label_names_; }

  // Appends HELP, TYPE and the sample lines, children sorted by label values; appends
  // nothing when the family has no child (as the Go client). Thread-safe.
  virtual void AppendText(std::string& out) const = 0;

 protected:
  // Aborts unless count == label_names().size().
  void CheckLabelCount(std::size_t count) const;
  static std::uint64_t HashLabelValues(std::span<const std::string_view> values);

  // Label names as written: sorted by name. sorted_index_[k] is the position in label_names_
  // of the k-th name in sorted order.
  std::vector<std::size_t> sorted_index_;

 private:
  std::string name_;
  std::string help_;
  MetricType type_;
  std::vector<std::string> label_names_;
};

// T is Counter, Gauge, Histogram or Summary. Children live until Remove or the family's
// destruction; the reference WithLabelValues returns stays valid until then.
template <typename T>
class Family final : public FamilyBase {
 public:
  Family(std::string name, std::string help, MetricType type, std::vector<std::string> label_names,
         typename T::Options options)
      : FamilyBase(std::move(name), std::move(help), type, std::move(label_names)),
        options_(std::move(options)) {}

  // The child for these label values (in label_names() order), created on first use. The
  // number of values must equal the number of label names (else the process aborts).
  // When the child exists this takes a shared lock and allocates nothing. Thread-safe.
  T& WithLabelValues(std::span<const std::string_view> values) {
    CheckLabelCount(values.size());
    const std::uint64_t hash = HashLabelValues(values);
    {
      std::shared_lock lock(mu_);
      if (Child* c = Find(hash, values)) return c->metric;
    }
    std::unique_lock lock(mu_);
    if (Child* c = Find(hash, values)) return c->metric;
    auto child = std::make_unique<Child>(values, options_);
    std::unique_ptr<Child>& slot = children_[hash];
    child->next = std::move(slot);
    slot = std::move(child);
    return slot->metric;
  }
  T& WithLabelValues(std::initializer_list<std::string_view> values) {
    return WithLabelValues(std::span<const std::string_view>(values.begin(), values.size()));
  }

  // Deletes the child for these values; false if there was none. References to it must not
  // be used afterwards; a later WithLabelValues makes a new child starting from zero.
  bool Remove(std::span<const std::string_view> values) {
    CheckLabelCount(values.size());
    const std::uint64_t hash = HashLabelValues(values);
    std::unique_lock lock(mu_);
    auto it = children_.find(hash);
    if (it == children_.end()) return false;
    for (std::unique_ptr<Child>* link = &it->second; *link; link = &(*link)->next) {
      if (Equal((*link)->values, values)) {
        std::unique_ptr<Child> removed = std::move(*link);
        *link = std::move(removed->next);
        if (!it->second) children_.erase(it);
        return true;
      }
    }
    return false;
  }
  bool Remove(std::initializer_list<std::string_view> values) {
    return Remove(std::span<const std::string_view>(values.begin(), values.size()));
  }

  // Number of children.
  std::size_t size() const {
    std::shared_lock lock(mu_);
    std::size_t n = 0;
    for (const auto& [hash, head] : children_) {
      for (const Child* c = head.get(); c; c = c->next.get()) ++n;
    }
    return n;
  }

  void AppendText(std::string& out) const override {
    std::shared_lock lock(mu_);
    if (children_.empty()) return;
    std::vector<const Child*> sorted;
    for (const auto& [hash, head] : children_) {
      for (const Child* c = head.get(); c; c = c->next.get()) sorted.push_back(c);
    }
    std::sort(sorted.begin(), sorted.end(), [this](const Child* a, const Child* b) {
      for (std::size_t i : sorted_index_) {
        if (int cmp = a->values[i].compare(b->values[i]); cmp != 0) return cmp < 0;
      }
      return false;
    });
    AppendHelpAndType(out, name(), help(), type());
    std::vector<LabelRef> labels(sorted_index_.size());
    for (const Child* c : sorted) {
      for (std::size_t k = 0; k < sorted_index_.size(); ++k) {
        labels[k] = {label_names()[sorted_index_[k]], c->values[sorted_index_[k]]};
      }
      AppendMetricText(out, name(), labels, c->metric);
    }
  }

 private:
  struct Child {
    Child(std::span<const std::string_view> v, const typename T::Options& options)
        : values(v.begin(), v.end()), metric(options) {}
    std::vector<std::string> values;
    T metric;
    std::unique_ptr<Child> next;  // the next child whose values hash the same
  };

  static bool Equal(const std::vector<std::string>& a, std::span<const std::string_view> b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }

  Child* Find(std::uint64_t hash, std::span<const std::string_view> values) const {
    auto it = children_.find(hash);
    if (it == children_.end()) return nullptr;
    for (Child* c = it->second.get(); c; c = c->next.get()) {
      if (Equal(c->values, values)) return c;
    }
    return nullptr;
  }

  const typename T::Options options_;
  mutable std::shared_mutex mu_;  // guards children_
  std::unordered_map<std::uint64_t, std::unique_ptr<Child>> children_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;
using SummaryFamily = Family<Summary>;

}  // namespace tsdbd::metrics
