// The head's series by the refs a WAL names them with, for the replay: one thread fills and
// reads it while nothing else uses the head, so look-ups take no lock and count no reference.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "lib/tsdb/head/mem_series.h"

namespace tsdbd::tsdb {

// Not thread-safe. The series must outlive the table (the head's maps keep them).
class WalRefTable {
 public:
  WalRefTable() = default;
  WalRefTable(const WalRefTable&) = delete;
  WalRefTable& operator=(const WalRefTable&) = delete;

  // Maps ref to s, replacing what it mapped to.
  void Set(uint64_t ref, MemSeries* s);

  // The series ref maps to, or nullptr.
  MemSeries* Get(uint64_t ref) const {
    const uint64_t b = ref >> kBlockBits;
    if (b < blocks_.size() && blocks_[b]) {
      if (MemSeries* s = blocks_[b][ref & (kBlockSize - 1)]) return s;
    }
    if (sparse_.empty()) return nullptr;
    auto it = sparse_.find(ref);
    return it == sparse_.end() ? nullptr : it->second;
  }

 private:
  // Refs are dense in Prometheus's WAL and ours (a counter from 1), so most live in blocks of
  // slots indexed by ref. A block is allocated only while the blocks stay at least 1/8 full
  // on average: scattered refs (a foreign or churned WAL) go to the hash map instead.
  static constexpr int kBlockBits = 12;
  static constexpr uint64_t kBlockSize = uint64_t{1} << kBlockBits;
  static constexpr uint64_t kMaxBlocks = (uint64_t{1} << 32) >> kBlockBits;

  bool MayAllocateBlock() const { return blocks_allocated_ <= mapped_ / (kBlockSize / 8); }

  std::vector<std::unique_ptr<MemSeries*[]>> blocks_;  // by ref >> kBlockBits; null: none
  std::unordered_map<uint64_t, MemSeries*> sparse_;    // refs set while their block was absent
  uint64_t blocks_allocated_ = 0;
  uint64_t mapped_ = 0;  // Set calls, a bound on the refs mapped
};

}  // namespace tsdbd::tsdb
