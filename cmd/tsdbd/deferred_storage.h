// Storage that the HTTP routes can be wired to before the database has opened: the server
// starts first (so that /-/healthy answers during WAL replay) and the API stays 503 until
// the database is set and the server is ready.
#pragma once

#include <atomic>
#include <memory>

#include "lib/storage/appender.h"
#include "lib/storage/querier.h"

namespace tsdbd {

template <typename Db>
class DeferredStorage final : public storage::Queryable, public storage::Appendable {
 public:
  // `db` must outlive every later call, until Set(nullptr).
  void Set(Db* db) { db_.store(db, std::memory_order_release); }

  Result<std::unique_ptr<storage::Querier>> NewQuerier(int64_t mint_ms, int64_t maxt_ms) override {
    Db* db = db_.load(std::memory_order_acquire);
    if (db == nullptr) return Error("TSDB not ready");
    return db->NewQuerier(mint_ms, maxt_ms);
  }

  std::unique_ptr<storage::Appender> NewAppender() override {
    Db* db = db_.load(std::memory_order_acquire);
    return db ? db->NewAppender() : nullptr;
  }

 private:
  std::atomic<Db*> db_{nullptr};
};

}  // namespace tsdbd
