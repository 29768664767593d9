// A fast, deterministic 64-bit hash of bytes (the same in every process and run), for
// hash maps, series hashes and sharding. Not for security.
#pragma once

#include <cstdint>
#include <string_view>

namespace tsdbd {

// Hashes `data`, continuing from `seed` so that several pieces can be chained.
uint64_t HashBytes(std::string_view data, uint64_t seed = 0);

}  // namespace tsdbd
