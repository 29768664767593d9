#include "lib/tsdb/index/postings.h"

#include <algorithm>
#include <queue>
#include <utility>

namespace tsdbd::tsdb::index {
namespace {

class EmptyPostingsImpl final : public Postings {
 public:
  bool Next() override { return false; }
  bool Seek(uint64_t) override { return false; }
  uint64_t At() const override { return 0; }
};

class ListPostingsImpl final : public Postings {
 public:
  explicit ListPostingsImpl(std::vector<uint64_t> refs) : refs_(std::move(refs)) {}
  bool Next() override {
    if (done_) return false;
    i_ = started_ ? i_ + 1 : 0;
    started_ = true;
    if (i_ >= refs_.size()) return Done();
    return true;
  }
  bool Seek(uint64_t v) override {
    if (done_) return false;
    if (started_ && refs_[i_] >= v) return true;
    auto from = refs_.begin() + static_cast<std::ptrdiff_t>(started_ ? i_ : 0);
    auto it = std::lower_bound(from, refs_.end(), v);
    started_ = true;
    if (it == refs_.end()) return Done();
    i_ = static_cast<size_t>(it - refs_.begin());
    return true;
  }
  uint64_t At() const override { return refs_[i_]; }

 private:
  bool Done() {
    done_ = true;
    return false;
  }
  std::vector<uint64_t> refs_;
  size_t i_ = 0;  // the current element once started_
  bool started_ = false;
  bool done_ = false;
};

class IntersectPostings final : public Postings {
 public:
  explicit IntersectPostings(std::vector<PostingsPtr> its) : its_(std::move(its)) {}
  bool Next() override {
    if (done_) return false;
    if (!its_[0]->Next()) return Done();
    return Align(its_[0]->At());
  }
  bool Seek(uint64_t v) override {
    if (done_) return false;
    if (started_ && cur_ >= v) return true;
    if (!its_[0]->Seek(v)) return Done();
    return Align(its_[0]->At());
  }
  uint64_t At() const override { return cur_; }

 private:
  bool Done() {
    done_ = true;
    return false;
  }
  // Seeks every iterator to a common reference >= target.
  bool Align(uint64_t target) {
    started_ = true;
    for (;;) {
      bool agreed = true;
      for (auto& it : its_) {
        if (!it->Seek(target)) return Done();
        if (it->At() != target) {
          target = it->At();
          agreed = false;
        }
      }
      if (agreed) {
        cur_ = target;
        return true;
      }
    }
  }
  std::vector<PostingsPtr> its_;
  uint64_t cur_ = 0;
  bool started_ = false;
  bool done_ = false;
};

// A union by a min-heap of the iterators' current references.
class MergePostings final : public Postings {
 public:
  explicit MergePostings(std::vector<PostingsPtr> its) : its_(std::move(its)) {}
  bool Next() override {
    if (done_) return false;
    if (!started_) return Start(0, false);
    // Advance every iterator sitting at cur_.
    while (!heap_.empty() && heap_.front().first == cur_) {
      size_t i = heap_.front().second;
      std::pop_heap(heap_.begin(), heap_.end(), Greater);
      heap_.pop_back();
      if (its_[i]->Next()) Push(i);
    }
    return Take();
  }
  bool Seek(uint64_t v) override {
    if (done_) return false;
    if (!started_) return Start(v, true);
    if (cur_ >= v) return true;
    while (!heap_.empty() && heap_.front().first < v) {
      size_t i = heap_.front().second;
      std::pop_heap(heap_.begin(), heap_.end(), Greater);
      heap_.pop_back();
      if (its_[i]->Seek(v)) Push(i);
    }
    return Take();
  }
  uint64_t At() const override { return cur_; }

 private:
  using Entry = std::pair<uint64_t, size_t>;  // (current reference, iterator index)
  static bool Greater(const Entry& a, const Entry& b) { return a.first > b.first; }
  void Push(size_t i) {
    heap_.emplace_back(its_[i]->At(), i);
    std::push_heap(heap_.begin(), heap_.end(), Greater);
  }
  bool Start(uint64_t v, bool seek) {
    started_ = true;
    for (size_t i = 0; i < its_.size(); ++i) {
      if (seek ? its_[i]->Seek(v) : its_[i]->Next()) Push(i);
    }
    return Take();
  }
  bool Take() {
    if (heap_.empty()) {
      done_ = true;
      return false;
    }
    cur_ = heap_.front().first;
    return true;
  }
  std::vector<PostingsPtr> its_;
  std::vector<Entry> heap_;
  uint64_t cur_ = 0;
  bool started_ = false;
  bool done_ = false;
};

class WithoutPostings final : public Postings {
 public:
  WithoutPostings(PostingsPtr full, PostingsPtr drop)
      : full_(std::move(full)), drop_(std::move(drop)) {}
  bool Next() override {
    if (done_) return false;
    if (!full_->Next()) return Done();
    return Skip();
  }
  bool Seek(uint64_t v) override {
    if (done_) return false;
    if (started_ && full_->At() >= v) return true;
    if (!full_->Seek(v)) return Done();
    return Skip();
  }
  uint64_t At() const override { return full_->At(); }

 private:
  bool Done() {
    done_ = true;
    return false;
  }
  // Moves full_ forward past references that drop_ holds.
  bool Skip() {
    started_ = true;
    for (;;) {
      uint64_t v = full_->At();
      if (drop_ok_) {
        if (!drop_->Seek(v)) {
          drop_ok_ = false;
        } else if (drop_->At() == v) {
          if (!full_->Next()) return Done();
          continue;
        }
      }
      return true;
    }
  }
  PostingsPtr full_;
  PostingsPtr drop_;
  bool drop_ok_ = true;  // drop_ still has references
  bool started_ = false;
  bool done_ = false;
};

}  // namespace

PostingsPtr EmptyPostings() {
  return std::make_unique<EmptyPostingsImpl>();
}

PostingsPtr ListPostings(std::vector<uint64_t> refs) {
  if (refs.empty()) return EmptyPostings();
  return std::make_unique<ListPostingsImpl>(std::move(refs));
}

PostingsPtr Intersect(std::vector<PostingsPtr> its) {
  if (its.empty()) return EmptyPostings();
  if (its.size() == 1) return std::move(its[0]);
  return std::make_unique<IntersectPostings>(std::move(its));
}

PostingsPtr Merge(std::vector<PostingsPtr> its) {
  if (its.empty()) return EmptyPostings();
  if (its.size() == 1) return std::move(its[0]);
  return std::make_unique<MergePostings>(std::move(its));
}

PostingsPtr Without(PostingsPtr full, PostingsPtr drop) {
  return std::make_unique<WithoutPostings>(std::move(full), std::move(drop));
}

std::vector<uint64_t> ExpandPostings(Postings& p) {
  std::vector<uint64_t> out;
  while (p.Next()) out.push_back(p.At());
  return out;
}

}  // namespace tsdbd::tsdb::index
