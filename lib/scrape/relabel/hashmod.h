// The hashmod action's hash: the last 8 bytes of the MD5 digest of `value`, read big-endian,
// modulo `modulus` (Prometheus's documented and observed behaviour).
#pragma once

#include <cstdint>
#include <string_view>

namespace tsdbd::scrape::relabel {

// `modulus` must be positive (the config loader rejects 0 for hashmod).
uint64_t HashMod(std::string_view value, uint64_t modulus);

}  // namespace tsdbd::scrape::relabel
