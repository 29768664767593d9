#include "lib/tsdb/head/wal_ref_table.h"

namespace tsdbd::tsdb {

void WalRefTable::Set(uint64_t ref, MemSeries* s) {
  ++mapped_;
  const uint64_t b = ref >> kBlockBits;
  if (b < kMaxBlocks && (b >= blocks_.size() || !blocks_[b]) && MayAllocateBlock()) {
    if (b >= blocks_.size()) blocks_.resize(b + 1);
    blocks_[b] = std::make_unique<MemSeries*[]>(kBlockSize);  // zeroed
    ++blocks_allocated_;
  }
  if (b < blocks_.size() && blocks_[b]) {
    blocks_[b][ref & (kBlockSize - 1)] = s;
    if (!sparse_.empty()) sparse_.erase(ref);  // mapped before its block existed
  } else {
    sparse_[ref] = s;
  }
}

}  // namespace tsdbd::tsdb
