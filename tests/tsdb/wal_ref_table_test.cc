// The replay's ref -> series table: dense, scattered and huge refs, remapping.
#include "lib/tsdb/head/wal_ref_table.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace tsdbd::tsdb {
namespace {

// Distinct fake series pointers; the table never dereferences them.
MemSeries* Fake(uint64_t i) {
  return reinterpret_cast<MemSeries*>(static_cast<uintptr_t>((i + 1) * 64));
}

TEST(WalRefTableTest, MatchesAMapForDenseScatteredAndHugeRefs) {
  WalRefTable table;
  std::map<uint64_t, MemSeries*> want;
  std::mt19937_64 rng(3);
  auto set = [&](uint64_t ref, uint64_t i) {
    table.Set(ref, Fake(i));
    want[ref] = Fake(i);
  };
  // Scattered first (mostly kept in the hash map), then dense refs filling blocks that some
  // scattered ones fall into, then huge ones; some refs set twice.
  for (uint64_t i = 0; i < 2000; ++i) set(rng() % (uint64_t{1} << 31), i);
  for (uint64_t ref = 1; ref < 50'000; ++ref) set(ref, ref);
  for (uint64_t i = 0; i < 2000; ++i) set(rng(), i);
  set(0, 7);
  set(~uint64_t{0}, 8);
  for (uint64_t ref = 1; ref < 50'000; ref += 7) set(ref, ref + 1);
  for (const auto& [ref, s] : want) ASSERT_EQ(table.Get(ref), s) << ref;
  for (int i = 0; i < 2000; ++i) {
    const uint64_t ref = rng();
    if (!want.contains(ref)) {
      EXPECT_EQ(table.Get(ref), nullptr) << ref;
    }
  }
  EXPECT_EQ(table.Get(50'000), nullptr);
}

}  // namespace
}  // namespace tsdbd::tsdb
