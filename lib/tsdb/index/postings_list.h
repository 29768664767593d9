// A sorted list of series references in one reference-counted block, shared copy-on-write:
// the index hands out copies in O(1) and clones a block only when changing one that a
// reader still holds.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <utility>

#include "lib/tsdb/index/postings.h"

namespace tsdbd::tsdb::index {

// Copies are cheap and may be read from any thread; changing one (Insert, RemoveIf) must be
// serialized with copying it (the index's lock does that).
class PostingsList {
 public:
  PostingsList() = default;
  PostingsList(const PostingsList& o) : b_(o.b_) {
    if (b_) b_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  PostingsList(PostingsList&& o) noexcept : b_(std::exchange(o.b_, nullptr)) {}
  PostingsList& operator=(PostingsList o) noexcept {
    std::swap(b_, o.b_);
    return *this;
  }
  ~PostingsList() { Release(); }

  size_t size() const { return b_ ? b_->size : 0; }
  bool empty() const { return size() == 0; }
  std::span<const uint64_t> refs() const {
    return b_ ? std::span<const uint64_t>(Data(b_), b_->size) : std::span<const uint64_t>();
  }

  // Adds ref, keeping the list sorted and distinct.
  void Insert(uint64_t ref);
  // Removes the references for which drop(ref) is true.
  void RemoveIf(const std::function<bool(uint64_t)>& drop);
  // Heap bytes of the block (counted whole for each holder).
  size_t MemoryBytes() const { return b_ ? sizeof(Block) + b_->cap * sizeof(uint64_t) : 0; }

 private:
  struct Block {
    std::atomic<uint32_t> refs;
    uint32_t size;
    uint32_t cap;
    uint32_t unused;
  };
  static uint64_t* Data(Block* b) { return reinterpret_cast<uint64_t*>(b + 1); }
  static const uint64_t* Data(const Block* b) { return reinterpret_cast<const uint64_t*>(b + 1); }
  static Block* Allocate(uint32_t cap);
  // Makes b_ an unshared block with room for at least `cap` references.
  void MakeWritable(uint32_t cap);
  void Release();

  Block* b_ = nullptr;
};

// Iterates a list (sharing its block).
PostingsPtr ListPostings(PostingsList list);

}  // namespace tsdbd::tsdb::index
