// The process's string interning table: each distinct label name or value is stored once
// and named by a 32-bit SymbolId, so that a series costs ids, not copies of strings.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "lib/model/hash.h"

namespace tsdbd {

using SymbolId = uint32_t;

// Thread-safe. Strings are never freed: ids and the string_views Get returns stay valid for
// the process's lifetime. (The set of distinct label strings grows slowly compared with
// series churn; a generational clean-up can come when a workload needs it.)
class SymbolTable {
 public:
  // The table every Labels uses.
  static SymbolTable& Global();

  SymbolTable();
  ~SymbolTable();
  SymbolTable(const SymbolTable&) = delete;
  SymbolTable& operator=(const SymbolTable&) = delete;

  // The id of `s`, adding it when new. The empty string is always id 0.
  SymbolId Intern(std::string_view s) { return Intern(s, HashBytes(s)); }
  // The same, for a caller that has `hash`, which must be HashBytes(s).
  SymbolId Intern(std::string_view s, uint64_t hash);

  // The id of `s` if it was interned before; nullopt otherwise. Never adds: look-ups driven
  // by queries must not grow the table.
  std::optional<SymbolId> Find(std::string_view s) const;

  // The string of an id that Intern returned. Lock-free.
  std::string_view Get(SymbolId id) const {
    const Entry& e = EntryOf(id);
    return {e.data, e.size};
  }
  // HashBytes of that string, kept so that label sets hash without reading their strings.
  uint64_t HashOf(SymbolId id) const { return EntryOf(id).hash; }

  size_t size() const { return next_id_.load(std::memory_order_relaxed); }
  // Bytes held: strings, entries and index.
  size_t MemoryBytes() const;

 private:
  struct Entry {
    const char* data;
    uint32_t size;
    uint64_t hash;
  };
  struct Shard;
  static constexpr int kBlockBits = 16;
  static constexpr uint32_t kBlockMask = (1u << kBlockBits) - 1;
  static constexpr size_t kMaxBlocks = size_t{1} << (32 - kBlockBits);
  static constexpr size_t kShards = 64;

  const Entry& EntryOf(SymbolId id) const {
    return blocks_[id >> kBlockBits].load(std::memory_order_acquire)[id & kBlockMask];
  }
  // Stores a new entry under a fresh id.
  SymbolId Publish(const Entry& entry);
  // A number no other table of the process has, for the per-thread cache of Intern.
  static uint64_t NextGeneration();

  const uint64_t generation_;
  std::unique_ptr<std::atomic<Entry*>[]> blocks_;  // kMaxBlocks slots, filled on demand
  std::atomic<uint32_t> next_id_{0};
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace tsdbd
