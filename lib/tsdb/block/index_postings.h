// Postings read in place from a block index: a list of big-endian 32-bit series references.
#pragma once

#include <cstdint>

#include "lib/tsdb/index/postings.h"

namespace tsdbd::tsdb::block {

// Iterates the `n` big-endian uint32 references at `data`, which must stay readable (the
// index's mapping) while the postings live. Seek searches by bisection.
index::PostingsPtr MappedPostings(const uint8_t* data, uint32_t n);

}  // namespace tsdbd::tsdb::block
