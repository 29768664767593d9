#include "lib/tsdb/index/postings_list.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

namespace tsdbd::tsdb::index {

PostingsList::Block* PostingsList::Allocate(uint32_t cap) {
  void* p = std::malloc(sizeof(Block) + size_t{cap} * sizeof(uint64_t));
  if (!p) throw std::bad_alloc();
  Block* b = static_cast<Block*>(p);
  new (&b->refs) std::atomic<uint32_t>(1);
  b->size = 0;
  b->cap = cap;
  b->unused = 0;
  return b;
}

void PostingsList::Release() {
  if (b_ && b_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) std::free(b_);
  b_ = nullptr;
}

void PostingsList::MakeWritable(uint32_t cap) {
  const bool shared = b_ && b_->refs.load(std::memory_order_acquire) != 1;
  if (b_ && !shared && b_->cap >= cap) return;
  uint32_t new_cap = b_ ? std::max(b_->cap, 1u) : 1;
  while (new_cap < cap) new_cap = new_cap < 1024 ? new_cap * 2 : new_cap + new_cap / 2;
  Block* nb = Allocate(new_cap);
  if (b_) {
    nb->size = b_->size;
    std::memcpy(Data(nb), Data(b_), size_t{b_->size} * sizeof(uint64_t));
  }
  Release();
  b_ = nb;
}

void PostingsList::Insert(uint64_t ref) {
  const uint32_t n = static_cast<uint32_t>(size());
  const uint64_t* d = b_ ? Data(b_) : nullptr;
  size_t pos = n;
  if (n > 0 && d[n - 1] >= ref) {
    pos = static_cast<size_t>(std::lower_bound(d, d + n, ref) - d);
    if (d[pos] == ref) return;
  }
  MakeWritable(n + 1);
  uint64_t* w = Data(b_);
  std::memmove(w + pos + 1, w + pos, (n - pos) * sizeof(uint64_t));
  w[pos] = ref;
  b_->size = n + 1;
}

void PostingsList::RemoveIf(const std::function<bool(uint64_t)>& drop) {
  if (!b_) return;
  MakeWritable(b_->size);
  uint64_t* w = Data(b_);
  uint32_t out = 0;
  for (uint32_t i = 0; i < b_->size; ++i) {
    if (!drop(w[i])) w[out++] = w[i];
  }
  b_->size = out;
  if (out == 0) {
    Release();
  } else if (b_->cap > 2 * out + 8) {
    // Give memory back after large deletions.
    Block* nb = Allocate(out);
    nb->size = out;
    std::memcpy(Data(nb), w, size_t{out} * sizeof(uint64_t));
    Release();
    b_ = nb;
  }
}

namespace {

class SharedListPostings final : public Postings {
 public:
  explicit SharedListPostings(PostingsList list) : list_(std::move(list)), refs_(list_.refs()) {}
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
    // Gallop from the current position (seeks are mostly short in intersections), then
    // binary-search the last step.
    size_t lo = started_ ? i_ : 0, step = 1, hi = lo;
    while (hi < refs_.size() && refs_[hi] < v) {
      lo = hi + 1;
      hi += step;
      step *= 2;
    }
    hi = std::min(hi, refs_.size());
    auto it = std::lower_bound(refs_.begin() + static_cast<std::ptrdiff_t>(lo),
                               refs_.begin() + static_cast<std::ptrdiff_t>(hi), v);
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
  PostingsList list_;
  std::span<const uint64_t> refs_;
  size_t i_ = 0;
  bool started_ = false;
  bool done_ = false;
};

}  // namespace

PostingsPtr ListPostings(PostingsList list) {
  if (list.empty()) return EmptyPostings();
  return std::make_unique<SharedListPostings>(std::move(list));
}

}  // namespace tsdbd::tsdb::index
