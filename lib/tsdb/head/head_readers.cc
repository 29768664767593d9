#include "lib/tsdb/head/head_readers.h"

namespace tsdbd::tsdb {

HeadReaders::LeasePtr HeadReaders::Register(int64_t mint) {
  std::lock_guard lock(mu_);
  const uint64_t id = next_id_++;
  open_.emplace(id, mint);
  return std::make_shared<const Lease>(this, id);
}

uint64_t HeadReaders::NextId() const {
  std::lock_guard lock(mu_);
  return next_id_;
}

void HeadReaders::WaitForOlderReaders(uint64_t id, int64_t t) const {
  std::unique_lock lock(mu_);
  gone_.wait(lock, [&] {
    for (auto it = open_.begin(); it != open_.end() && it->first < id; ++it) {
      if (it->second < t) return false;
    }
    return true;
  });
}

void HeadReaders::Unregister(uint64_t id) {
  {
    std::lock_guard lock(mu_);
    open_.erase(id);
  }
  gone_.notify_all();
}

}  // namespace tsdbd::tsdb
