#include "lib/storage/memory_storage.h"

#include <algorithm>
#include <set>

namespace tsdbd::storage {
namespace {

// A series that shares its sample vector with the storage and shows only [mint, maxt].
class MemorySeries final : public Series {
 public:
  MemorySeries(Labels labels, std::shared_ptr<const std::vector<Sample>> samples, size_t begin,
               size_t end)
      : labels_(std::move(labels)), samples_(std::move(samples)), begin_(begin), end_(end) {}
  const Labels& labels() const override { return labels_; }
  std::unique_ptr<SampleIterator> Iterator() const override {
    return std::make_unique<RangeIterator>(samples_->data() + begin_, samples_->data() + end_);
  }

 private:
  class RangeIterator final : public SampleIterator {
   public:
    RangeIterator(const Sample* b, const Sample* e) : cur_(b - 1), end_(e), begin_(b) {}
    bool Next() override { return ++cur_ < end_; }
    bool Seek(int64_t t) override {
      if (cur_ < begin_) cur_ = begin_;
      if (cur_ >= end_) return false;
      if (cur_->t >= t) return true;
      cur_ = std::lower_bound(cur_, end_, t, [](const Sample& s, int64_t x) { return s.t < x; });
      return cur_ < end_;
    }
    Sample At() const override { return *cur_; }

   private:
    const Sample* cur_;
    const Sample* end_;
    const Sample* begin_;
  };

  Labels labels_;
  std::shared_ptr<const std::vector<Sample>> samples_;
  size_t begin_, end_;
};

class MemoryQuerier final : public Querier {
 public:
  MemoryQuerier(std::vector<std::shared_ptr<const Series>> series) : series_(std::move(series)) {}

  std::unique_ptr<SeriesSet> Select(bool, const SelectHints*,
                                    std::span<const Matcher> matchers) override {
    std::vector<std::shared_ptr<const Series>> out;
    for (const auto& s : series_) {
      if (MatchesAll(s->labels(), matchers)) out.push_back(s);
    }
    return std::make_unique<ListSeriesSet>(std::move(out));
  }

  Result<std::vector<std::string>> LabelValues(std::string_view name,
                                               std::span<const Matcher> matchers) override {
    std::set<std::string> values;
    for (const auto& s : series_) {
      if (!MatchesAll(s->labels(), matchers)) continue;
      std::string_view v = s->labels().Get(name);
      if (!v.empty()) values.emplace(v);
    }
    return std::vector<std::string>(values.begin(), values.end());
  }

  Result<std::vector<std::string>> LabelNames(std::span<const Matcher> matchers) override {
    std::set<std::string> names;
    for (const auto& s : series_) {
      if (!MatchesAll(s->labels(), matchers)) continue;
      for (Label l : s->labels()) names.emplace(l.name);
    }
    return std::vector<std::string>(names.begin(), names.end());
  }

 private:
  static bool MatchesAll(const Labels& l, std::span<const Matcher> matchers) {
    for (const Matcher& m : matchers) {
      if (!m.Matches(l.Get(m.name()))) return false;
    }
    return true;
  }
  std::vector<std::shared_ptr<const Series>> series_;
};

}  // namespace

MemoryStorage::Entry& MemoryStorage::Find(const Labels& labels) {
  auto it = std::lower_bound(series_.begin(), series_.end(), labels,
                             [](const Entry& e, const Labels& l) { return e.labels < l; });
  if (it == series_.end() || !(it->labels == labels)) {
    it = series_.insert(it, Entry{labels, std::make_shared<std::vector<Sample>>()});
  }
  return *it;
}

void MemoryStorage::Add(const Labels& labels, std::vector<Sample> samples) {
  Entry& e = Find(labels);
  if (e.samples->empty()) {
    *e.samples = std::move(samples);
  } else {
    e.samples->insert(e.samples->end(), samples.begin(), samples.end());
  }
}

void MemoryStorage::AddSample(const Labels& labels, int64_t t, double v) {
  Find(labels).samples->push_back({t, v});
}

Result<std::unique_ptr<Querier>> MemoryStorage::NewQuerier(int64_t mint_ms, int64_t maxt_ms) {
  std::vector<std::shared_ptr<const Series>> view;
  for (const Entry& e : series_) {
    const auto& s = *e.samples;
    auto b = std::lower_bound(s.begin(), s.end(), mint_ms,
                              [](const Sample& x, int64_t t) { return x.t < t; });
    auto en = std::upper_bound(s.begin(), s.end(), maxt_ms,
                               [](int64_t t, const Sample& x) { return t < x.t; });
    if (b >= en) continue;
    view.push_back(
        std::make_shared<MemorySeries>(e.labels, e.samples, b - s.begin(), en - s.begin()));
  }
  return std::unique_ptr<Querier>(std::make_unique<MemoryQuerier>(std::move(view)));
}

}  // namespace tsdbd::storage
