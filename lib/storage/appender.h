// The write side of storage: batches of samples appended to series, committed or rolled
// back as one.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "lib/model/labels.h"
#include "lib/model/result.h"

namespace tsdbd::storage {

// A storage-specific handle of a series, handed back by Append so that the next sample of
// the same series skips the label look-up. 0 means "unknown".
using SeriesRef = uint64_t;

// Why a sample was not accepted. The sample is dropped; the rest of the batch is unaffected.
enum class AppendStatus {
  kOk,
  kOutOfOrder,          // older than the series' newest sample
  kDuplicateTimestamp,  // same timestamp as the newest sample, different value
  kOutOfBounds,         // older than what the storage still accepts (behind the head)
  kInvalidLabels,       // empty, unsorted or duplicated label names
};

// Prometheus's wording of each status ("out of order sample", ...).
std::string_view AppendStatusMessage(AppendStatus status);

struct AppendOutcome {
  SeriesRef ref = 0;  // valid when ok()
  AppendStatus status = AppendStatus::kOk;
  bool ok() const { return status == AppendStatus::kOk; }
};

// One batch. Not thread-safe: one appender belongs to one writer (a scrape, a remote-write
// request, a rule evaluation).
class Appender {
 public:
  virtual ~Appender() = default;

  // Adds a sample to the batch. `ref`, when not 0, must come from an earlier Append to the
  // same storage for these same labels; `labels` must then still be passed (storages may
  // ignore it). A stale marker (StaleNaN) is a sample like any other.
  virtual AppendOutcome Append(SeriesRef ref, const Labels& labels, int64_t t_ms, double v) = 0;

  // Makes the batch durable and visible to queries at once. An error means nothing of the
  // batch was stored. The appender must not be used afterwards.
  virtual Status Commit() = 0;

  // Discards the batch. The appender must not be used afterwards.
  virtual void Rollback() = 0;
};

class Appendable {
 public:
  virtual ~Appendable() = default;
  // A new, empty batch. Thread-safe.
  virtual std::unique_ptr<Appender> NewAppender() = 0;
};

}  // namespace tsdbd::storage
