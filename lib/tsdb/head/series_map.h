// The head's two look-ups of series, by labels (hash) and by reference, each split into
// stripes with their own locks so that appenders on different series never share a lock.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "lib/tsdb/head/mem_series.h"

namespace tsdbd::tsdb {

// A counted reference to a MemSeries: the series lives while a SeriesPtr to it exists, even
// after garbage collection removed it from the maps.
class SeriesPtr {
 public:
  SeriesPtr() = default;
  // Takes one more reference to s (may be null).
  explicit SeriesPtr(MemSeries* s) : s_(s) {
    if (s_) s_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  SeriesPtr(const SeriesPtr& o) : SeriesPtr(o.s_) {}
  SeriesPtr(SeriesPtr&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  SeriesPtr& operator=(SeriesPtr o) noexcept {
    std::swap(s_, o.s_);
    return *this;
  }
  ~SeriesPtr() { Release(s_); }

  // Drops one reference to s, deleting it with the last.
  static void Release(MemSeries* s) {
    if (s && s->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete s;
  }

  MemSeries* get() const { return s_; }
  MemSeries* operator->() const { return s_; }
  MemSeries& operator*() const { return *s_; }
  explicit operator bool() const { return s_ != nullptr; }

 private:
  MemSeries* s_ = nullptr;
};

// Thread-safe.
class SeriesMap {
 public:
  // `stripes` is rounded up to a power of two.
  explicit SeriesMap(size_t stripes);
  ~SeriesMap();
  SeriesMap(const SeriesMap&) = delete;
  SeriesMap& operator=(const SeriesMap&) = delete;

  SeriesPtr GetByRef(uint64_t ref) const;
  SeriesPtr GetByLabels(uint64_t hash, const Labels& labels) const;

  // The series with these labels, creating it as new MemSeries(make_ref(), labels) when
  // absent; `created` tells which. on_create runs once for a new series before any other
  // thread can find it by labels (used to add it to the postings index).
  SeriesPtr GetOrCreate(uint64_t hash, const Labels& labels,
                        const std::function<uint64_t()>& make_ref,
                        const std::function<void(MemSeries&)>& on_create, bool* created);

  // Removes every series for which drop(series) is true, called with both of its stripe
  // locks held and only while no SeriesPtr other than the maps' own refers to it (series in
  // use are skipped). Returns the removed series' refs and labels.
  std::vector<std::pair<uint64_t, Labels>> RemoveIf(const std::function<bool(MemSeries&)>& drop);

  // Calls fn(series) for every series (with no lock held; the series is kept alive).
  void ForEach(const std::function<void(MemSeries&)>& fn) const;

  size_t size() const { return size_.load(std::memory_order_relaxed); }
  // Approximate bytes of the maps themselves (nodes, buckets, stripes).
  size_t MemoryBytes() const;

 private:
  struct alignas(64) HashStripe {
    mutable std::mutex mu;
    std::unordered_map<uint64_t, MemSeries*> series;  // hash -> chain via hash_next
  };
  // Refs below 2^32 (all the head assigns) live in a dense table of blocks of 64Ki slots,
  // 8 bytes a ref, allocated on demand and freed when garbage collection empties them;
  // others (from a foreign WAL) in per-stripe maps. A slot is guarded by its ref's stripe lock.
  static constexpr int kBlockBits = 16;
  static constexpr uint64_t kBlockSize = uint64_t{1} << kBlockBits;
  static constexpr uint64_t kDenseLimit = uint64_t{1} << 32;
  struct Block {
    MemSeries* slots[kBlockSize] = {};
    std::atomic<uint32_t> live{0};
  };
  struct alignas(64) RefStripe {
    mutable std::mutex mu;
    std::unordered_map<uint64_t, MemSeries*> sparse;  // refs >= kDenseLimit
  };
  static MemSeries* FindInChain(MemSeries* head, const Labels& labels);
  RefStripe& Stripe(uint64_t ref) const { return refs_[ref & mask_]; }
  // These require Stripe(ref).mu.
  MemSeries* FindRef(uint64_t ref) const;
  void InsertRef(uint64_t ref, MemSeries* s);
  void EraseRef(uint64_t ref);
  // Frees dense blocks left without series; takes every ref stripe lock.
  void FreeEmptyBlocks();

  const size_t mask_;
  std::unique_ptr<HashStripe[]> hashes_;
  std::unique_ptr<RefStripe[]> refs_;
  std::unique_ptr<std::atomic<Block*>[]> blocks_;  // kDenseLimit / kBlockSize slots
  std::mutex blocks_mu_;                           // allocation of blocks
  std::atomic<size_t> num_blocks_{0};
  std::atomic<size_t> size_{0};
};

}  // namespace tsdbd::tsdb
