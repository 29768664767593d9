// The queriers reading the head, so that a truncation can wait for those that may still
// need what it drops (Prometheus's head waits for its pending readers the same way).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

namespace tsdbd::tsdb {

// Thread-safe.
class HeadReaders {
 public:
  // A registered reader; unregisters when the last copy goes. The HeadReaders must outlive it.
  class Lease {
   public:
    Lease(HeadReaders* readers, uint64_t id) : readers_(readers), id_(id) {}
    ~Lease() { readers_->Unregister(id_); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

   private:
    HeadReaders* const readers_;
    const uint64_t id_;
  };
  using LeasePtr = std::shared_ptr<const Lease>;

  // Registers a reader of the head from mint on; ids grow with each registration.
  LeasePtr Register(int64_t mint);
  // The id the next registration gets: readers registered from now on have it or a larger one.
  uint64_t NextId() const;
  // Blocks until no reader is open that was registered before `id` and reads from before `t`.
  void WaitForOlderReaders(uint64_t id, int64_t t) const;

 private:
  void Unregister(uint64_t id);

  mutable std::mutex mu_;
  mutable std::condition_variable gone_;  // a reader unregistered
  uint64_t next_id_ = 1;                  // requires mu_
  std::map<uint64_t, int64_t> open_;      // id -> mint; requires mu_
};

}  // namespace tsdbd::tsdb
