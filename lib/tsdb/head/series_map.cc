#include "lib/tsdb/head/series_map.h"

#include <bit>

namespace tsdbd::tsdb {

SeriesMap::SeriesMap(size_t stripes)
    : mask_(std::bit_ceil(std::max<size_t>(stripes, 1)) - 1),
      hashes_(new HashStripe[mask_ + 1]),
      refs_(new RefStripe[mask_ + 1]),
      blocks_(new std::atomic<Block*>[kDenseLimit / kBlockSize]) {
  for (size_t i = 0; i < kDenseLimit / kBlockSize; ++i) blocks_[i].store(nullptr);
}

SeriesMap::~SeriesMap() {
  // Through the hash chains, which hold every series once: a WAL that logged one ref for two
  // label sets leaves only the second in the ref table.
  for (size_t i = 0; i <= mask_; ++i) {
    for (auto& [hash, first] : hashes_[i].series) {
      for (MemSeries* s = first; s;) {
        MemSeries* next = s->hash_next;
        SeriesPtr::Release(s);
        s = next;
      }
    }
  }
  for (size_t b = 0; b < kDenseLimit / kBlockSize; ++b) delete blocks_[b].load();
}

MemSeries* SeriesMap::FindRef(uint64_t ref) const {
  if (ref >= kDenseLimit) {
    const RefStripe& st = Stripe(ref);
    auto it = st.sparse.find(ref);
    return it == st.sparse.end() ? nullptr : it->second;
  }
  Block* b = blocks_[ref >> kBlockBits].load(std::memory_order_acquire);
  return b ? b->slots[ref & (kBlockSize - 1)] : nullptr;
}

void SeriesMap::InsertRef(uint64_t ref, MemSeries* s) {
  if (ref >= kDenseLimit) {
    Stripe(ref).sparse.emplace(ref, s);
    return;
  }
  std::atomic<Block*>& slot = blocks_[ref >> kBlockBits];
  Block* b = slot.load(std::memory_order_acquire);
  if (!b) {
    std::lock_guard lock(blocks_mu_);
    b = slot.load(std::memory_order_acquire);
    if (!b) {
      b = new Block();
      slot.store(b, std::memory_order_release);
      num_blocks_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  b->slots[ref & (kBlockSize - 1)] = s;
  b->live.fetch_add(1, std::memory_order_relaxed);
}

void SeriesMap::EraseRef(uint64_t ref) {
  if (ref >= kDenseLimit) {
    Stripe(ref).sparse.erase(ref);
    return;
  }
  Block* b = blocks_[ref >> kBlockBits].load(std::memory_order_acquire);
  if (!b || !b->slots[ref & (kBlockSize - 1)]) return;
  b->slots[ref & (kBlockSize - 1)] = nullptr;
  b->live.fetch_sub(1, std::memory_order_relaxed);
}

void SeriesMap::FreeEmptyBlocks() {
  std::vector<size_t> empty;
  for (size_t i = 0; i < kDenseLimit / kBlockSize; ++i) {
    Block* b = blocks_[i].load(std::memory_order_acquire);
    if (b && b->live.load(std::memory_order_relaxed) == 0) empty.push_back(i);
  }
  if (empty.empty()) return;
  // Every look-up and insert holds one stripe lock while it uses a block: with all of them
  // held, nobody does.
  std::vector<std::unique_lock<std::mutex>> locks;
  locks.reserve(mask_ + 1);
  for (size_t i = 0; i <= mask_; ++i) locks.emplace_back(refs_[i].mu);
  std::lock_guard blocks_lock(blocks_mu_);
  for (size_t i : empty) {
    Block* b = blocks_[i].load(std::memory_order_acquire);
    if (!b || b->live.load(std::memory_order_relaxed) != 0) continue;
    blocks_[i].store(nullptr, std::memory_order_release);
    num_blocks_.fetch_sub(1, std::memory_order_relaxed);
    delete b;
  }
}

MemSeries* SeriesMap::FindInChain(MemSeries* s, const Labels& labels) {
  for (; s; s = s->hash_next) {
    if (s->labels() == labels) return s;
  }
  return nullptr;
}

SeriesPtr SeriesMap::GetByRef(uint64_t ref) const {
  std::lock_guard lock(Stripe(ref).mu);
  return SeriesPtr(FindRef(ref));
}

SeriesPtr SeriesMap::GetByLabels(uint64_t hash, const Labels& labels) const {
  const HashStripe& st = hashes_[hash & mask_];
  std::lock_guard lock(st.mu);
  auto it = st.series.find(hash);
  if (it == st.series.end()) return SeriesPtr();
  return SeriesPtr(FindInChain(it->second, labels));
}

SeriesPtr SeriesMap::GetOrCreate(uint64_t hash, const Labels& labels,
                                 const std::function<uint64_t()>& make_ref,
                                 const std::function<void(MemSeries&)>& on_create, bool* created) {
  HashStripe& hs = hashes_[hash & mask_];
  std::lock_guard lock(hs.mu);
  auto [it, inserted] = hs.series.try_emplace(hash, nullptr);
  if (MemSeries* found = FindInChain(it->second, labels)) {
    *created = false;
    return SeriesPtr(found);
  }
  auto* s = new MemSeries(make_ref(), labels);  // refs == 1: the maps' reference
  {
    std::lock_guard rlock(Stripe(s->ref()).mu);
    InsertRef(s->ref(), s);
  }
  on_create(*s);
  s->hash_next = it->second;
  it->second = s;
  size_.fetch_add(1, std::memory_order_relaxed);
  *created = true;
  return SeriesPtr(s);
}

std::vector<std::pair<uint64_t, Labels>> SeriesMap::RemoveIf(
    const std::function<bool(MemSeries&)>& drop) {
  std::vector<std::pair<uint64_t, Labels>> removed;
  for (size_t i = 0; i <= mask_; ++i) {
    HashStripe& hs = hashes_[i];
    std::lock_guard lock(hs.mu);
    for (auto it = hs.series.begin(); it != hs.series.end();) {
      MemSeries** link = &it->second;
      while (*link) {
        MemSeries* s = *link;
        std::unique_lock rlock(Stripe(s->ref()).mu);
        // Only the maps' reference left: nobody can obtain a new one while we hold both
        // stripe locks, since look-ups take one of them.
        if (s->refs.load(std::memory_order_acquire) == 1 && drop(*s)) {
          EraseRef(s->ref());
          rlock.unlock();
          *link = s->hash_next;
          removed.emplace_back(s->ref(), s->labels());
          size_.fetch_sub(1, std::memory_order_relaxed);
          SeriesPtr::Release(s);
        } else {
          link = &s->hash_next;
        }
      }
      it = it->second ? std::next(it) : hs.series.erase(it);
    }
  }
  if (!removed.empty()) FreeEmptyBlocks();
  return removed;
}

void SeriesMap::ForEach(const std::function<void(MemSeries&)>& fn) const {
  std::vector<SeriesPtr> batch;
  for (size_t i = 0; i <= mask_; ++i) {
    batch.clear();
    {
      std::lock_guard lock(hashes_[i].mu);
      batch.reserve(hashes_[i].series.size());
      for (const auto& [hash, chain] : hashes_[i].series) {
        for (MemSeries* s = chain; s; s = s->hash_next) batch.emplace_back(s);
      }
    }
    for (const SeriesPtr& s : batch) fn(*s);
  }
}

size_t SeriesMap::MemoryBytes() const {
  // unordered_map node: next pointer, key, value, cached hash; plus a bucket pointer each.
  constexpr size_t kNode = sizeof(void*) + 2 * sizeof(uint64_t) + sizeof(size_t);
  size_t bytes = (mask_ + 1) * (sizeof(HashStripe) + sizeof(RefStripe));
  for (size_t i = 0; i <= mask_; ++i) {
    std::lock_guard l1(hashes_[i].mu);
    bytes += hashes_[i].series.size() * kNode + hashes_[i].series.bucket_count() * sizeof(void*);
  }
  for (size_t i = 0; i <= mask_; ++i) {
    std::lock_guard l2(refs_[i].mu);
    bytes += refs_[i].sparse.size() * kNode + refs_[i].sparse.bucket_count() * sizeof(void*);
  }
  bytes += kDenseLimit / kBlockSize * sizeof(std::atomic<Block*>);
  bytes += num_blocks_.load(std::memory_order_relaxed) * sizeof(Block);
  return bytes;
}

}  // namespace tsdbd::tsdb
