#include "lib/storage/merge_querier.h"

#include <algorithm>
#include <iterator>
#include <queue>
#include <string>

#include "lib/storage/series_list.h"

namespace tsdbd::storage {
namespace {

class MergedSampleIterator final : public SampleIterator {
 public:
  explicit MergedSampleIterator(std::vector<std::unique_ptr<SampleIterator>> its)
      : its_(std::move(its)), valid_(its_.size(), false), at_(its_.size()) {}

  bool Next() override {
    if (!started_) {
      started_ = true;
      for (size_t i = 0; i < its_.size(); ++i) Refresh(i, its_[i]->Next());
      return Pick();
    }
    if (cur_ < 0) return false;
    const int64_t t = at_[cur_].t;
    for (size_t i = 0; i < its_.size(); ++i) {
      if (valid_[i] && at_[i].t == t) Refresh(i, its_[i]->Next());
    }
    return Pick();
  }

  bool Seek(int64_t t) override {
    if (!started_) {
      started_ = true;
      for (size_t i = 0; i < its_.size(); ++i) Refresh(i, its_[i]->Seek(t));
      return Pick();
    }
    if (cur_ < 0) return false;
    if (at_[cur_].t >= t) return true;
    for (size_t i = 0; i < its_.size(); ++i) {
      if (valid_[i] && at_[i].t < t) Refresh(i, its_[i]->Seek(t));
    }
    return Pick();
  }

  Sample At() const override { return at_[cur_]; }

  Status Err() const override {
    for (const auto& it : its_) {
      if (Status s = it->Err(); !s.ok()) return s;
    }
    return Status::Ok();
  }

 private:
  void Refresh(size_t i, bool valid) {
    valid_[i] = valid;
    if (valid) at_[i] = its_[i]->At();
  }

  // Chooses the earliest current sample; on equal timestamps the first iterator wins.
  bool Pick() {
    cur_ = -1;
    for (size_t i = 0; i < its_.size(); ++i) {
      if (valid_[i] && (cur_ < 0 || at_[i].t < at_[cur_].t)) cur_ = static_cast<int>(i);
    }
    return cur_ >= 0;
  }

  std::vector<std::unique_ptr<SampleIterator>> its_;
  std::vector<bool> valid_;
  std::vector<Sample> at_;
  bool started_ = false;
  int cur_ = -1;
};

// The same series from several sources.
class MergedSeries final : public Series {
 public:
  explicit MergedSeries(std::vector<std::shared_ptr<const Series>> parts)
      : parts_(std::move(parts)) {}
  const Labels& labels() const override { return parts_.front()->labels(); }
  std::unique_ptr<SampleIterator> Iterator() const override {
    std::vector<std::unique_ptr<SampleIterator>> its;
    its.reserve(parts_.size());
    for (const auto& p : parts_) its.push_back(p->Iterator());
    return MergeSampleIterators(std::move(its));
  }

 private:
  std::vector<std::shared_ptr<const Series>> parts_;
};

class MergedSeriesSet final : public SeriesSet {
 public:
  explicit MergedSeriesSet(std::vector<std::unique_ptr<SeriesSet>> sets) : sets_(std::move(sets)) {}

  bool Next() override {
    if (!started_) {
      started_ = true;
      for (size_t i = 0; i < sets_.size(); ++i) Advance(i);
    }
    if (heap_.empty() || !error_.ok()) return false;
    // Take every set whose current series has the smallest labels.
    std::vector<size_t> taken = {Pop()};
    while (!heap_.empty() && sets_[heap_.top()]->At()->labels() ==
                                 sets_[taken.front()]->At()->labels()) {
      taken.push_back(Pop());
    }
    std::sort(taken.begin(), taken.end());  // the earlier source wins on equal timestamps
    if (taken.size() == 1) {
      current_ = sets_[taken.front()]->At();
    } else {
      std::vector<std::shared_ptr<const Series>> parts;
      for (size_t i : taken) parts.push_back(sets_[i]->At());
      current_ = std::make_shared<MergedSeries>(std::move(parts));
    }
    for (size_t i : taken) Advance(i);
    return error_.ok();
  }

  std::shared_ptr<const Series> At() const override { return current_; }
  Status Err() const override { return error_; }

  std::vector<std::string> Warnings() const override {
    std::vector<std::string> out;
    for (const auto& s : sets_) {
      for (std::string& w : s->Warnings()) out.push_back(std::move(w));
    }
    return out;
  }

 private:
  struct Greater {
    const MergedSeriesSet* self;
    bool operator()(size_t a, size_t b) const {
      const int c = Compare(self->sets_[a]->At()->labels(), self->sets_[b]->At()->labels());
      return c != 0 ? c > 0 : a > b;
    }
  };

  void Advance(size_t i) {
    if (sets_[i]->Next()) {
      heap_.push(i);
    } else if (Status s = sets_[i]->Err(); !s.ok() && error_.ok()) {
      error_ = s;
    }
  }

  size_t Pop() {
    const size_t i = heap_.top();
    heap_.pop();
    return i;
  }

  std::vector<std::unique_ptr<SeriesSet>> sets_;
  std::priority_queue<size_t, std::vector<size_t>, Greater> heap_{Greater{this}};
  std::shared_ptr<const Series> current_;
  Status error_;
  bool started_ = false;
};

std::vector<std::string> SortedUnion(std::vector<std::string> a, const std::vector<std::string>& b) {
  std::vector<std::string> out;
  out.reserve(a.size() + b.size());
  std::set_union(std::make_move_iterator(a.begin()), std::make_move_iterator(a.end()), b.begin(),
                 b.end(), std::back_inserter(out));
  return out;
}

class MergeQuerier final : public Querier {
 public:
  explicit MergeQuerier(std::vector<std::unique_ptr<Querier>> queriers)
      : queriers_(std::move(queriers)) {}

  std::unique_ptr<SeriesSet> Select(bool, const SelectHints* hints,
                                    std::span<const Matcher> matchers) override {
    std::vector<std::unique_ptr<SeriesSet>> sets;
    for (auto& q : queriers_) sets.push_back(q->Select(true, hints, matchers));
    return MergeSeriesSets(std::move(sets));
  }

  Result<std::vector<std::string>> LabelValues(std::string_view name,
                                               std::span<const Matcher> matchers) override {
    return Union([&](Querier& q) { return q.LabelValues(name, matchers); });
  }

  Result<std::vector<std::string>> LabelNames(std::span<const Matcher> matchers) override {
    return Union([&](Querier& q) { return q.LabelNames(matchers); });
  }

 private:
  template <typename Fn>
  Result<std::vector<std::string>> Union(Fn fn) {
    std::vector<std::string> out;
    for (auto& q : queriers_) {
      auto r = fn(*q);
      if (!r.ok()) return r.error();
      out = SortedUnion(std::move(out), *r);
    }
    return out;
  }

  std::vector<std::unique_ptr<Querier>> queriers_;
};

}  // namespace

std::unique_ptr<Querier> NewMergeQuerier(std::vector<std::unique_ptr<Querier>> queriers) {
  if (queriers.size() == 1) return std::move(queriers.front());
  return std::make_unique<MergeQuerier>(std::move(queriers));
}

std::unique_ptr<SeriesSet> MergeSeriesSets(std::vector<std::unique_ptr<SeriesSet>> sets) {
  if (sets.size() == 1) return std::move(sets.front());
  return std::make_unique<MergedSeriesSet>(std::move(sets));
}

std::unique_ptr<SampleIterator> MergeSampleIterators(
    std::vector<std::unique_ptr<SampleIterator>> its) {
  if (its.size() == 1) return std::move(its.front());
  return std::make_unique<MergedSampleIterator>(std::move(its));
}

}  // namespace tsdbd::storage
