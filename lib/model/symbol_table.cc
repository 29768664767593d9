#include "lib/model/symbol_table.h"

#include <cstring>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace tsdbd {

namespace {

// A string with its HashBytes, so that the index never hashes a string a second time.
struct HashedString {
  std::string_view s;
  uint64_t hash;
  friend bool operator==(const HashedString& a, const HashedString& b) {
    return a.hash == b.hash && a.s == b.s;
  }
};

struct HashOfHashedString {
  size_t operator()(const HashedString& k) const noexcept { return k.hash; }
};

}  // namespace

// One slice of the string -> id index, with the arena its strings live in.
struct SymbolTable::Shard {
  static constexpr size_t kArenaBlock = 64 * 1024;

  std::mutex mu;
  // Views point into the arena.
  std::unordered_map<HashedString, SymbolId, HashOfHashedString> ids;
  std::vector<std::unique_ptr<char[]>> arena;  // blocks of kArenaBlock and large strings
  size_t arena_used = kArenaBlock;             // bytes used of the current block
  char* current = nullptr;                     // the block being filled
  size_t arena_bytes = 0;

  const char* Copy(std::string_view s) {
    if (s.size() > kArenaBlock / 4) {  // a large string gets an allocation of its own
      arena.push_back(std::make_unique<char[]>(s.size()));
      arena_bytes += s.size();
      std::memcpy(arena.back().get(), s.data(), s.size());
      return arena.back().get();
    }
    if (arena_used + s.size() > kArenaBlock) {
      arena.push_back(std::make_unique<char[]>(kArenaBlock));
      current = arena.back().get();
      arena_bytes += kArenaBlock;
      arena_used = 0;
    }
    char* dst = current + arena_used;
    std::memcpy(dst, s.data(), s.size());
    arena_used += s.size();
    return dst;
  }
};

uint64_t SymbolTable::NextGeneration() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

SymbolTable& SymbolTable::Global() {
  static SymbolTable* table = new SymbolTable();  // never destroyed: ids outlive statics
  return *table;
}

SymbolTable::SymbolTable()
    : generation_(NextGeneration()),
      blocks_(new std::atomic<Entry*>[kMaxBlocks]()),
      shards_(new Shard[kShards]) {
  Publish({"", 0, HashBytes("")});
}

SymbolTable::~SymbolTable() {
  for (size_t i = 0; i < kMaxBlocks; ++i) delete[] blocks_[i].load();
}

SymbolId SymbolTable::Intern(std::string_view s, uint64_t hash) {
  if (s.empty()) return 0;
  // Most strings a thread interns it interned a moment ago (label names, a job's or an
  // instance's values): the ids it got last are kept per thread, which spares the shard's
  // lock and map. An entry is only used for the table that made it and for the same string.
  struct Recent {
    uint64_t table = 0;
    uint64_t hash = 0;
    SymbolId id = 0;
  };
  thread_local std::array<Recent, 512> recent;
  Recent& r = recent[hash % recent.size()];
  if (r.table == generation_ && r.hash == hash && Get(r.id) == s) return r.id;
  Shard& shard = shards_[hash % kShards];
  SymbolId id;
  {
    std::lock_guard lock(shard.mu);
    if (auto it = shard.ids.find({s, hash}); it != shard.ids.end()) {
      id = it->second;
    } else {
      const char* copy = shard.Copy(s);
      id = Publish({copy, static_cast<uint32_t>(s.size()), hash});
      shard.ids.emplace(HashedString{std::string_view(copy, s.size()), hash}, id);
    }
  }
  r = {generation_, hash, id};
  return id;
}

std::optional<SymbolId> SymbolTable::Find(std::string_view s) const {
  if (s.empty()) return SymbolId{0};
  const uint64_t hash = HashBytes(s);
  Shard& shard = shards_[hash % kShards];
  std::lock_guard lock(shard.mu);
  if (auto it = shard.ids.find({s, hash}); it != shard.ids.end()) return it->second;
  return std::nullopt;
}

SymbolId SymbolTable::Publish(const Entry& entry) {
  const SymbolId id = next_id_.fetch_add(1, std::memory_order_relaxed);
  std::atomic<Entry*>& slot = blocks_[id >> kBlockBits];
  Entry* block = slot.load(std::memory_order_acquire);
  if (block == nullptr) {
    auto* fresh = new Entry[size_t{1} << kBlockBits]();
    if (slot.compare_exchange_strong(block, fresh, std::memory_order_acq_rel)) {
      block = fresh;
    } else {
      delete[] fresh;  // another thread installed the block first
    }
  }
  block[id & kBlockMask] = entry;
  return id;
}

size_t SymbolTable::MemoryBytes() const {
  size_t bytes = 0;
  const size_t blocks = (size() >> kBlockBits) + 1;
  bytes += blocks * (sizeof(Entry) << kBlockBits);
  for (size_t i = 0; i < kShards; ++i) {
    Shard& s = shards_[i];
    std::lock_guard lock(s.mu);
    bytes += s.arena_bytes + s.ids.size() * (sizeof(HashedString) + sizeof(SymbolId) + 16) +
             s.ids.bucket_count() * sizeof(void*);
  }
  return bytes;
}

}  // namespace tsdbd
