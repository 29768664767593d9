#include "lib/storage/merge_querier.h"

#include <algorithm>
#include <iterator>
#include <limits>
#include <queue>
#include <string>

#include "lib/storage/series_list.h"

namespace tsdbd::storage {
namespace {

// Sources of one series mostly follow each other in time (blocks do not overlap, and the
// head starts where the last block ends), so the iterator chains them: it advances only the
// current source while that source stays below every other source's current timestamp, and
// compares all sources again only where they meet or overlap.
class MergedSampleIterator final : public SampleIterator {
 public:
  explicit MergedSampleIterator(std::vector<std::unique_ptr<SampleIterator>> its) {
    sources_.reserve(its.size());
    for (auto& it : its) sources_.push_back({std::move(it), {}, false});
  }

  bool Next() override {
    if (!started_) {
      started_ = true;
      for (Source& s : sources_) s.Load(s.it->Next());
      return Pick();
    }
    if (cur_ == nullptr) return false;
    const int64_t t = cur_->at.t;
    if (t < others_min_) {  // no other source holds t: only the current one moves
      cur_->Load(cur_->it->Next());
      return (cur_->valid && cur_->at.t < others_min_) || Pick();
    }
    for (Source& s : sources_) {
      if (s.valid && s.at.t == t) s.Load(s.it->Next());
    }
    return Pick();
  }

  bool Seek(int64_t t) override {
    if (!started_) {
      started_ = true;
      for (Source& s : sources_) s.Load(s.it->Seek(t));
      return Pick();
    }
    if (cur_ == nullptr) return false;
    if (cur_->at.t >= t) return true;
    if (t <= others_min_) {  // every other source is already at t or later
      cur_->Load(cur_->it->Seek(t));
      return (cur_->valid && cur_->at.t < others_min_) || Pick();
    }
    for (Source& s : sources_) {
      if (s.valid && s.at.t < t) s.Load(s.it->Seek(t));
    }
    return Pick();
  }

  Sample At() const override { return cur_->at; }

  Status Err() const override {
    for (const Source& s : sources_) {
      if (Status e = s.it->Err(); !e.ok()) return e;
    }
    return Status::Ok();
  }

 private:
  struct Source {
    std::unique_ptr<SampleIterator> it;
    Sample at;   // its current sample, when valid
    bool valid;  // false once it is exhausted
    void Load(bool ok) {
      valid = ok;
      if (ok) at = it->At();
    }
  };

  // Makes the earliest current sample the current one (the first source wins on equal
  // timestamps) and notes the earliest timestamp among the other sources.
  bool Pick() {
    cur_ = nullptr;
    others_min_ = std::numeric_limits<int64_t>::max();
    for (Source& s : sources_) {
      if (!s.valid) continue;
      if (cur_ == nullptr || s.at.t < cur_->at.t) {
        if (cur_ != nullptr) others_min_ = cur_->at.t;
        cur_ = &s;
      } else {
        others_min_ = std::min(others_min_, s.at.t);
      }
    }
    return cur_ != nullptr;
  }

  std::vector<Source> sources_;
  Source* cur_ = nullptr;   // the source of At(); null before the start and at the end
  int64_t others_min_ = 0;  // the earliest current timestamp of the sources other than cur_
  bool started_ = false;
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
  explicit MergedSeriesSet(std::vector<std::unique_ptr<SeriesSet>> sets)
      : sets_(std::move(sets)), heads_(sets_.size()) {}

  bool Next() override {
    if (!started_) {
      started_ = true;
      for (size_t i = 0; i < sets_.size(); ++i) Advance(i);
    }
    if (heap_.empty() || !error_.ok()) return false;
    // Take every set whose current series has the smallest labels; the heap hands out equal
    // labels in source order, so the earlier source comes first (and wins on equal
    // timestamps).
    taken_.assign(1, Pop());
    const Labels& labels = heads_[taken_.front()]->labels();
    while (!heap_.empty() && heads_[heap_.top()]->labels() == labels) taken_.push_back(Pop());
    if (taken_.size() == 1) {
      current_ = std::move(heads_[taken_.front()]);
    } else {
      std::vector<std::shared_ptr<const Series>> parts;
      parts.reserve(taken_.size());
      for (size_t i : taken_) parts.push_back(std::move(heads_[i]));
      current_ = std::make_shared<MergedSeries>(std::move(parts));
    }
    for (size_t i : taken_) Advance(i);
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
      const int c = Compare(self->heads_[a]->labels(), self->heads_[b]->labels());
      return c != 0 ? c > 0 : a > b;
    }
  };

  void Advance(size_t i) {
    if (sets_[i]->Next()) {
      heads_[i] = sets_[i]->At();
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
  std::vector<std::shared_ptr<const Series>> heads_;  // each set's current series, when in heap_
  std::priority_queue<size_t, std::vector<size_t>, Greater> heap_{Greater{this}};
  std::vector<size_t> taken_;  // the sets holding the series being merged (reused)
  std::shared_ptr<const Series> current_;
  Status error_;
  bool started_ = false;
};

std::vector<std::string> SortedUnion(std::vector<std::string> a,
                                     const std::vector<std::string>& b) {
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
