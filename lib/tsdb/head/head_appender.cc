#include "lib/tsdb/head/head_appender.h"

#include <algorithm>
#include <bit>
#include <limits>

#include "lib/tsdb/head/head.h"
#include "lib/tsdb/record/encoder.h"

namespace tsdbd::tsdb {

using storage::AppendOutcome;
using storage::AppendStatus;

HeadAppender::HeadAppender(Head* head)
    : head_(head), mint_(std::numeric_limits<int64_t>::max()), maxt_(Head::kNoTime) {
  // As Prometheus's initAppender: an empty head learns its time range from the first
  // sample, so the bound is fixed at the first Append then.
  if (head_->MaxTime() != Head::kNoTime) {
    min_valid_ = head_->AppendableMinValidTime();
    min_valid_known_ = true;
  }
}

AppendOutcome HeadAppender::Append(storage::SeriesRef ref, const Labels& labels, int64_t t,
                                   double v) {
  if (!min_valid_known_) {
    head_->InitTime(t);
    min_valid_ = head_->AppendableMinValidTime();
    min_valid_known_ = true;
  }
  Head::Counters& counters = head_->counters();
  if (t < min_valid_) {
    counters.out_of_bounds.fetch_add(1, std::memory_order_relaxed);
    return {0, AppendStatus::kOutOfBounds};
  }
  SeriesPtr s;
  if (ref != 0) s = head_->series().GetByRef(ref);
  if (!s) {
    if (labels.empty()) return {0, AppendStatus::kInvalidLabels};
    bool created = false;
    s = head_->GetOrCreate(labels, &created);
  }
  const uint64_t bits = std::bit_cast<uint64_t>(v);
  // A series' newest time only grows, so a sample after it as read without the lock is
  // appendable now; Commit checks again under the lock (another batch may get there first).
  // Only samples at or before it need the lock, to see the newest value with its time.
  MemSeries::Check check = MemSeries::Check::kOk;
  if (const int64_t newest = s->max_time(); newest != Head::kNoTime && t <= newest) {
    std::lock_guard lock(head_->SeriesLock(s->ref()));
    check = s->Appendable(t, bits);
  }
  switch (check) {
    case MemSeries::Check::kOutOfOrder:
      counters.out_of_order.fetch_add(1, std::memory_order_relaxed);
      return {0, AppendStatus::kOutOfOrder};
    case MemSeries::Check::kDuplicate:
      counters.duplicates.fetch_add(1, std::memory_order_relaxed);
      return {0, AppendStatus::kDuplicateTimestamp};
    case MemSeries::Check::kSameSample:
      return {s->ref(), AppendStatus::kOk};
    case MemSeries::Check::kOk:
      break;
  }
  samples_.push_back({s.get(), t, bits});
  mint_ = std::min(mint_, t);
  maxt_ = std::max(maxt_, t);
  const uint64_t out_ref = s->ref();
  held_.push_back(std::move(s));
  return {out_ref, AppendStatus::kOk};
}

Status HeadAppender::Commit() {
  if (done_) return Error("head: appender already committed or rolled back");
  done_ = true;
  if (samples_.empty()) {
    held_.clear();
    return Status::Ok();
  }
  refs_.clear();
  refs_.reserve(samples_.size());
  for (const Pending& p : samples_) {
    refs_.push_back({p.series->ref(), p.t, std::bit_cast<double>(p.v_bits)});
  }
  record::EncodeSamples(refs_, &samples_rec_);
  batch_series_.clear();
  batch_series_.reserve(held_.size());
  for (const SeriesPtr& s : held_) batch_series_.push_back(s.get());
  uint64_t ticket = 0;
  Status logged = head_->LogBatch(batch_series_, samples_rec_, &ticket);
  Head::ApplyTurn turn(head_, ticket);
  if (!logged.ok()) {
    samples_.clear();
    held_.clear();
    return logged;
  }

  Head::Counters& counters = head_->counters();
  const int64_t range = head_->chunk_range();
  uint64_t stored = 0, dropped = 0, chunks = 0;
  int64_t mint = std::numeric_limits<int64_t>::max(), maxt = Head::kNoTime;
  // The series of a large batch are rarely all in cache: fetch a few samples ahead.
  constexpr size_t kPrefetchAhead = 8;
  const size_t n = samples_.size();
  for (size_t i = 0; i < n; ++i) {
    if (i + kPrefetchAhead < n) {
      const char* ahead = reinterpret_cast<const char*>(samples_[i + kPrefetchAhead].series);
      __builtin_prefetch(ahead, 1);
      __builtin_prefetch(ahead + 64, 1);
      __builtin_prefetch(ahead + 128, 1);
    }
    const Pending& p = samples_[i];
    bool created = false;
    bool ok;
    {
      std::lock_guard lock(head_->SeriesLock(p.series->ref()));
      ok = p.series->Append(p.t, p.v_bits, range, &created);
    }
    if (!ok) {
      ++dropped;
      continue;
    }
    ++stored;
    if (created) ++chunks;
    mint = std::min(mint, p.t);
    maxt = std::max(maxt, p.t);
  }
  if (stored > 0) head_->UpdateTimes(mint, maxt);
  counters.samples_appended.fetch_add(stored, std::memory_order_relaxed);
  counters.out_of_order.fetch_add(dropped, std::memory_order_relaxed);
  counters.chunks_created.fetch_add(chunks, std::memory_order_relaxed);
  samples_.clear();
  held_.clear();
  return Status::Ok();
}

void HeadAppender::Rollback() {
  done_ = true;
  samples_.clear();
  held_.clear();
}

}  // namespace tsdbd::tsdb
