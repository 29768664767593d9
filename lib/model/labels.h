// Labels: the identity of a series. An immutable list of name/value pairs sorted by name,
// with strings interned in SymbolTable::Global(). __name__ is an ordinary label.
#pragma once

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/model/symbol_table.h"

namespace tsdbd {

inline constexpr std::string_view kMetricName = "__name__";

struct LabelPair {
  SymbolId name;
  SymbolId value;
  friend bool operator==(const LabelPair&, const LabelPair&) = default;
};

struct Label {
  std::string_view name;
  std::string_view value;
};

// Copying is one atomic increment: the pairs live in one shared, reference-counted block
// (8 bytes a label), so a series, a query result and a scrape cache entry can share them.
// Thread-safe for concurrent reads and copies.
class Labels {
 public:
  Labels() = default;
  // From name/value pairs in any order; a name given twice keeps its last value; pairs
  // with an empty value are dropped (an empty value means "no such label").
  Labels(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs);
  static Labels FromPairs(std::span<const std::pair<std::string_view, std::string_view>> pairs);
  // From interned pairs already sorted by name with distinct names and non-empty values.
  static Labels FromSortedPairs(std::span<const LabelPair> pairs);

  Labels(const Labels& other) noexcept : rep_(other.rep_) { Ref(); }
  Labels(Labels&& other) noexcept : rep_(std::exchange(other.rep_, nullptr)) {}
  Labels& operator=(const Labels& other) noexcept;
  Labels& operator=(Labels&& other) noexcept;
  ~Labels() { Unref(); }

  size_t size() const { return rep_ ? rep_->size : 0; }
  bool empty() const { return size() == 0; }
  std::span<const LabelPair> pairs() const {
    return rep_ ? std::span<const LabelPair>(rep_->pairs, rep_->size) : std::span<const LabelPair>();
  }
  Label operator[](size_t i) const;

  // The value of `name`, or "" when the label is absent.
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const;
  std::string_view MetricName() const { return Get(kMetricName); }

  // A deterministic hash of the names and values (equal labels, equal hash; the same in
  // every process).
  uint64_t Hash() const;
  // Hash of only the labels named in `names` (sorted), or of all but those.
  uint64_t HashForLabels(std::span<const std::string> names) const;
  uint64_t HashWithoutLabels(std::span<const std::string> names) const;

  // Prometheus's text form: {__name__="up", job="x"} with Go-quoted values.
  std::string ToString() const;

  // Order by names, then values, string by string, as Prometheus's labels.Compare.
  friend int Compare(const Labels& a, const Labels& b);
  friend bool operator==(const Labels& a, const Labels& b);
  friend bool operator<(const Labels& a, const Labels& b) { return Compare(a, b) < 0; }

  // Heap bytes this object's block uses (shared blocks count fully for each holder).
  size_t MemoryBytes() const { return rep_ ? sizeof(Rep) + rep_->size * sizeof(LabelPair) : 0; }

  class Iterator {
   public:
    Iterator(const LabelPair* p) : p_(p) {}
    Label operator*() const;
    Iterator& operator++() {
      ++p_;
      return *this;
    }
    bool operator!=(const Iterator& o) const { return p_ != o.p_; }

   private:
    const LabelPair* p_;
  };
  Iterator begin() const { return Iterator(pairs().data()); }
  Iterator end() const { return Iterator(pairs().data() + size()); }

 private:
  struct Rep {
    std::atomic<uint32_t> refs;
    uint32_t size;
    LabelPair pairs[1];  // `size` of them
  };
  static Rep* Allocate(uint32_t size);
  void Ref() const {
    if (rep_) rep_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  void Unref();

  Rep* rep_ = nullptr;
};

// Builds a Labels from another by setting and deleting labels (Prometheus's
// labels.Builder). Not thread-safe.
class LabelsBuilder {
 public:
  LabelsBuilder() = default;
  explicit LabelsBuilder(const Labels& base) { Reset(base); }

  void Reset(const Labels& base);
  // An empty value deletes the label.
  LabelsBuilder& Set(std::string_view name, std::string_view value);
  LabelsBuilder& Del(std::string_view name);
  std::string_view Get(std::string_view name) const;
  // Calls fn(name, value) for each label, in no particular order.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    const SymbolTable& t = SymbolTable::Global();
    for (const LabelPair& p : pairs_) fn(t.Get(p.name), t.Get(p.value));
  }
  Labels Build() const;

 private:
  std::vector<LabelPair> pairs_;  // unsorted, distinct names, non-empty values
};

}  // namespace tsdbd
