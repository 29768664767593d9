#include "lib/tsdb/head/series_map.h"

#include <bit>

namespace tsdbd::tsdb {

SeriesMap::SeriesMap(size_t stripes)
    : mask_(std::bit_ceil(std::max<size_t>(stripes, 1)) - 1),
      hashes_(new HashStripe[mask_ + 1]),
      refs_(new RefStripe[mask_ + 1]) {}

SeriesMap::~SeriesMap() {
  for (size_t i = 0; i <= mask_; ++i) {
    for (auto& [ref, s] : refs_[i].series) SeriesPtr::Release(s);
  }
}

MemSeries* SeriesMap::FindInChain(MemSeries* s, const Labels& labels) {
  for (; s; s = s->hash_next) {
    if (s->labels() == labels) return s;
  }
  return nullptr;
}

SeriesPtr SeriesMap::GetByRef(uint64_t ref) const {
  const RefStripe& st = refs_[ref & mask_];
  std::lock_guard lock(st.mu);
  auto it = st.series.find(ref);
  return it == st.series.end() ? SeriesPtr() : SeriesPtr(it->second);
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
    RefStripe& rs = refs_[s->ref() & mask_];
    std::lock_guard rlock(rs.mu);
    rs.series.emplace(s->ref(), s);
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
        RefStripe& rs = refs_[s->ref() & mask_];
        std::unique_lock rlock(rs.mu);
        // Only the maps' reference left: nobody can obtain a new one while we hold both
        // stripe locks, since look-ups take one of them.
        if (s->refs.load(std::memory_order_acquire) == 1 && drop(*s)) {
          rs.series.erase(s->ref());
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
  return removed;
}

void SeriesMap::ForEach(const std::function<void(MemSeries&)>& fn) const {
  std::vector<SeriesPtr> batch;
  for (size_t i = 0; i <= mask_; ++i) {
    batch.clear();
    {
      std::lock_guard lock(refs_[i].mu);
      batch.reserve(refs_[i].series.size());
      for (const auto& [ref, s] : refs_[i].series) batch.emplace_back(s);
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
    bytes += refs_[i].series.size() * kNode + refs_[i].series.bucket_count() * sizeof(void*);
  }
  return bytes;
}

}  // namespace tsdbd::tsdb
