#include "lib/tsdb/head/head.h"

#include <algorithm>
#include <bit>

#include "lib/tsdb/head/head_appender.h"
#include "lib/tsdb/head/head_querier.h"
#include "lib/tsdb/head/series_sort.h"
#include "lib/tsdb/record/encoder.h"

namespace tsdbd::tsdb {

Head::Head(HeadOptions options)
    : options_(std::move(options)),
      stripe_mask_(std::bit_ceil(std::max<size_t>(options_.stripes, 1)) - 1),
      series_locks_(new PaddedMutex[stripe_mask_ + 1]),
      series_(options_.stripes),
      min_valid_time_(options_.min_valid_time) {}

Head::~Head() {
  (void)Close();
}

Result<std::unique_ptr<Head>> Head::Open(HeadOptions options) {
  if (options.chunk_range_ms <= 0) return Error("head: chunk range must be positive");
  std::unique_ptr<Head> head(new Head(std::move(options)));
  if (!head->options_.wal_dir.empty()) {
    if (Status s = head->Replay(); !s.ok()) return Error(s.message());
  }
  return head;
}

SeriesPtr Head::GetOrCreate(const Labels& labels, bool* created) {
  const uint64_t hash = labels.Hash();
  if (SeriesPtr s = series_.GetByLabels(hash, labels)) {
    *created = false;
    return s;
  }
  SeriesPtr s = series_.GetOrCreate(
      hash, labels, [this] { return next_ref_.fetch_add(1, std::memory_order_relaxed); },
      [this](MemSeries& m) { postings_.Add(m.ref(), m.labels()); }, created);
  if (*created) counters_.series_created.fetch_add(1, std::memory_order_relaxed);
  return s;
}

int64_t Head::AppendableMinValidTime() const {
  const int64_t max_t = MaxTime();
  int64_t bound = MinValidTime();
  if (max_t != kNoTime) bound = std::max(bound, max_t - options_.chunk_range_ms / 2);
  return bound;
}

void Head::InitTime(int64_t t) {
  int64_t expected = std::numeric_limits<int64_t>::max();
  if (!min_time_.compare_exchange_strong(expected, t, std::memory_order_acq_rel)) return;
  int64_t none = kNoTime;
  max_time_.compare_exchange_strong(none, t, std::memory_order_acq_rel);
}

void Head::UpdateTimes(int64_t mint, int64_t maxt) {
  int64_t cur = min_time_.load(std::memory_order_relaxed);
  while (mint < cur && !min_time_.compare_exchange_weak(cur, mint, std::memory_order_acq_rel)) {
  }
  cur = max_time_.load(std::memory_order_relaxed);
  while (maxt > cur && !max_time_.compare_exchange_weak(cur, maxt, std::memory_order_acq_rel)) {
  }
}

Head::ApplyTurn::ApplyTurn(Head* head, uint64_t ticket) : head_(head), ticket_(ticket) {
  if (ticket_ == 0) return;
  std::unique_lock lock(head_->apply_mu_);
  head_->apply_cv_.wait(lock, [&] { return head_->applied_ticket_ == ticket_ - 1; });
}

Head::ApplyTurn::~ApplyTurn() {
  if (ticket_ == 0) return;
  {
    std::lock_guard lock(head_->apply_mu_);
    head_->applied_ticket_ = ticket_;
  }
  head_->apply_cv_.notify_all();
}

Status Head::LogBatch(std::span<MemSeries* const> batch_series, const std::string& samples_rec,
                      uint64_t* ticket) {
  *ticket = 0;
  if (options_.wal_dir.empty()) return Status::Ok();
  uint64_t seq = 0;
  {
    std::lock_guard lock(wal_mu_);
    if (!wal_) return Error("head: the WAL is closed");
    std::vector<record::RefSeries> fresh;
    for (MemSeries* s : batch_series) {
      if (s->wal_logged.load(std::memory_order_relaxed)) continue;
      s->wal_logged.store(true, std::memory_order_relaxed);
      record::RefSeries rs;
      rs.ref = s->ref();
      rs.labels.reserve(s->labels().size());
      for (Label l : s->labels()) rs.labels.push_back({std::string(l.name), std::string(l.value)});
      fresh.push_back(std::move(rs));
    }
    series_buf_.clear();
    if (!fresh.empty()) record::EncodeSeries(fresh, &series_buf_);
    std::string_view recs[2];
    size_t n = 0;
    if (!series_buf_.empty()) recs[n++] = series_buf_;
    if (!samples_rec.empty()) recs[n++] = samples_rec;
    if (n == 0) return Status::Ok();
    auto logged = wal_->Log(std::span<const std::string_view>(recs, n));
    if (!logged.ok()) return Error("head: writing the WAL: " + logged.error().message());
    seq = *logged;
    *ticket = next_ticket_++;
  }
  if (options_.sync_on_commit) return wal_->WaitDurable(seq);
  return Status::Ok();
}

std::unique_ptr<storage::Appender> Head::NewAppender() {
  return std::make_unique<HeadAppender>(this);
}

Result<std::unique_ptr<storage::Querier>> Head::NewQuerier(int64_t mint_ms, int64_t maxt_ms) {
  return std::unique_ptr<storage::Querier>(
      new HeadQuerier(this, mint_ms, maxt_ms, readers_.Register(mint_ms)));
}

Status Head::Truncate(int64_t mint) {
  TruncateMemory(mint);
  return TruncateWal(mint);
}

void Head::TruncateMemory(int64_t mint) {
  std::lock_guard tl(truncate_mu_);
  int64_t cur = min_valid_time_.load();
  while (mint > cur && !min_valid_time_.compare_exchange_weak(cur, mint)) {
  }
  std::atomic<uint64_t> dropped_chunks{0};
  int64_t oldest_kept = std::numeric_limits<int64_t>::max();
  series_.ForEach([&](MemSeries& s) {
    std::lock_guard lock(SeriesLock(s.ref()));
    dropped_chunks.fetch_add(s.TruncateBefore(mint), std::memory_order_relaxed);
    if (!s.Empty()) oldest_kept = std::min(oldest_kept, s.min_time());
  });
  counters_.chunks_removed.fetch_add(dropped_chunks.load(), std::memory_order_relaxed);
  auto removed = series_.RemoveIf([&](MemSeries& s) {
    std::lock_guard lock(SeriesLock(s.ref()));
    return s.Empty();
  });
  postings_.Delete(removed);
  counters_.series_removed.fetch_add(removed.size(), std::memory_order_relaxed);

  // As Prometheus: the head now starts at its oldest sample kept, or at mint when that is
  // older (a block holds what came before), but never after the oldest time an appender may
  // still write. The next head block starts there, unaligned unless a sample sits on mint.
  const int64_t start = std::max(mint, std::min(oldest_kept, AppendableMinValidTime()));
  cur = min_time_.load();
  while (cur < start && !min_time_.compare_exchange_weak(cur, start)) {
  }
  cur = min_valid_time_.load();
  while (cur < start && !min_valid_time_.compare_exchange_weak(cur, start)) {
  }

  if (!options_.wal_dir.empty()) {
    int segment = 0;
    {
      std::lock_guard lock(wal_mu_);
      if (wal_) segment = wal_->current_segment();
    }
    for (const auto& [ref, labels] : removed) deleted_[ref] = segment;
  }
}

std::vector<SeriesPtr> Head::SeriesInRange(int64_t mint, int64_t maxt) const {
  std::vector<SeriesPtr> out;
  index::PostingsPtr all = postings_.All();
  while (all->Next()) {
    SeriesPtr s = series_.GetByRef(all->At());
    if (!s) continue;
    bool in_range;
    {
      std::lock_guard lock(SeriesLock(s->ref()));
      in_range = s->HasChunkIn(mint, maxt);
    }
    if (in_range) out.push_back(std::move(s));
  }
  SortByLabels(&out);
  return out;
}

void Head::SeriesChunks(const MemSeries& series, int64_t mint, int64_t maxt,
                        std::vector<HeadChunkPtr>* out) const {
  std::lock_guard lock(SeriesLock(series.ref()));
  series.Snapshot(mint, maxt, out);
}

HeadStats Head::Stats() const {
  HeadStats st;
  st.num_series = series_.size();
  st.samples_appended = counters_.samples_appended.load();
  st.out_of_order_samples = counters_.out_of_order.load();
  st.duplicate_samples = counters_.duplicates.load();
  st.out_of_bounds_samples = counters_.out_of_bounds.load();
  st.series_created = counters_.series_created.load();
  st.series_removed = counters_.series_removed.load();
  st.chunks_created = counters_.chunks_created.load();
  st.chunks_removed = counters_.chunks_removed.load();
  st.num_chunks = st.chunks_created - std::min(st.chunks_created, st.chunks_removed);
  st.max_time = MaxTime();
  st.empty = st.max_time == kNoTime;
  st.min_time = st.empty ? kNoTime : MinTime();
  return st;
}

size_t Head::MemoryBytes() const {
  size_t bytes = sizeof(*this) + (stripe_mask_ + 1) * sizeof(PaddedMutex);
  bytes += series_.MemoryBytes() + postings_.MemoryBytes();
  std::atomic<size_t> series_bytes{0};
  series_.ForEach([&](MemSeries& s) {
    std::lock_guard lock(SeriesLock(s.ref()));
    series_bytes.fetch_add(s.MemoryBytes(), std::memory_order_relaxed);
  });
  return bytes + series_bytes.load();
}

Status Head::Close() {
  std::lock_guard lock(wal_mu_);
  if (!wal_) return Status::Ok();
  Status s = wal_->Close();
  wal_.reset();
  return s;
}

std::optional<wal::WalStats> Head::WalStats() const {
  if (!wal_) return std::nullopt;
  return wal_->Stats();
}

}  // namespace tsdbd::tsdb
