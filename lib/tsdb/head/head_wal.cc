// The head's WAL: replay at startup and truncation by checkpoint.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <span>
#include <thread>
#include <unordered_set>
#include <utility>

#include "lib/tsdb/head/head.h"
#include "lib/tsdb/head/replay_labels.h"
#include "lib/tsdb/head/replay_shards.h"
#include "lib/tsdb/head/wal_ref_table.h"
#include "lib/tsdb/record/decoder.h"
#include "lib/tsdb/wal/checkpoint.h"
#include "lib/tsdb/wal/read_ahead_reader.h"
#include "lib/tsdb/wal/repair.h"
#include "lib/tsdb/wal/segments.h"

namespace tsdbd::tsdb {

Status Head::OpenWal() {
  // The replay reads every segment to its end and repairs the damage it finds, so a scan of
  // the tail on opening would only read the last segment a second time.
  wal::WalOptions options = options_.wal_options;
  options.repair_tail = false;
  auto w = wal::Wal::Open(options_.wal_dir, options);
  if (!w.ok()) return Error("head: opening the WAL: " + w.error().message());
  std::lock_guard lock(wal_mu_);
  wal_ = std::move(*w);
  return Status::Ok();
}

Status Head::Replay() {
  // Opening creates the directory if needed and starts a fresh segment for what we write
  // next; the replay then finds a torn tail (or damage before it) and repairs it.
  if (Status s = OpenWal(); !s.ok()) return s;
  bool damaged = false;
  if (Status s = ReplaySegments(&damaged); !s.ok()) return s;
  if (damaged) {
    // Damage before the tail: drop everything from it on, then write after it.
    if (Status s = OpenWal(); !s.ok()) return s;
  }
  return Status::Ok();
}

namespace {

// Whether the series of a record may be looked up or created in any order, on several
// threads, with the result of doing it in record order: when no two of them share a labels
// hash (so none can find a series another creates) or a ref (so none can take another's ref
// in the head's map by ref).
bool ParallelCreationIsExact(std::span<const uint64_t> refs, const ReplayLabels& labels) {
  if (refs.size() < 2 * kMinReplaySeriesPerThread) return false;  // one slice anyway
  std::vector<uint64_t> keys(labels.hashes);
  std::sort(keys.begin(), keys.end());
  if (std::adjacent_find(keys.begin(), keys.end()) != keys.end()) return false;
  keys.assign(refs.begin(), refs.end());
  if (!std::is_sorted(keys.begin(), keys.end())) std::sort(keys.begin(), keys.end());
  return std::adjacent_find(keys.begin(), keys.end()) == keys.end();
}

}  // namespace

Status Head::ReplaySegments(bool* damaged) {
  auto set = wal::FindReplaySet(options_.wal_dir);
  if (!set.ok()) return Error("head: reading the WAL: " + set.error().message());
  std::vector<wal::SegmentRef> segments = set->checkpoint_segments;
  const size_t checkpoint_count = segments.size();
  segments.insert(segments.end(), set->segments.begin(), set->segments.end());
  // Reported as Prometheus reports it: from the checkpoint's index (0 without one) to the last
  // segment, each segment finished once a record of a later one comes (or the replay ends).
  WalReplayStatus* const status = options_.replay_status.get();
  size_t finished = checkpoint_count;  // segments[checkpoint_count, finished) are replayed
  auto finish_before = [&](size_t position) {
    if (status && position > finished) status->Finished(segments[position - 1].index);
    finished = std::max(finished, position);
  };
  if (status) {
    const int first = set->checkpoint ? set->checkpoint->index : 0;
    status->Start(first, set->segments.empty() ? first : set->segments.back().index);
  }

  // Refs as the WAL names them -> series. A series logged twice (under two refs) is found by
  // both; a ref once remapped so keeps that mapping even if a later record creates a series
  // with it, as in Prometheus.
  WalRefTable by_ref;
  std::unordered_set<uint64_t> remapped;
  ReplaySeriesRecord series;
  std::vector<record::Stone> stones;
  struct Found {
    MemSeries* series;
    bool created;
  };
  std::vector<Found> found;  // by entry of the series record being replayed
  uint64_t max_ref = 0;
  const int64_t min_valid_time = MinValidTime();
  ReplayLabels series_labels;
  const size_t workers =
      options_.replay_workers > 0 ? options_.replay_workers : std::thread::hardware_concurrency();
  ReplayShards shards(workers, options_.chunk_range_ms);
  // Adds a big series record's new series to the postings while the next records are
  // replayed: nothing reads the postings before the replay ends, the samples do not need them,
  // and the order in which refs are added does not change the lists. Joined before the replay
  // returns (by its destructor on an early return).
  std::jthread indexing;
  // Samples older than the blocks are dropped, as Prometheus drops them, before their refs
  // are looked up; a record of nothing else (most of a settled WAL) is dropped by the reading
  // thread, which then runs through them while series are being created here.
  wal::ReadAheadReader reader(segments, [min_valid_time](std::string_view rec) {
    return record::RecordType(rec) == record::Type::kSamples &&
           record::AllSamplesBefore(rec, min_valid_time);
  });
  auto bad_record = [&reader](const Status& s) {
    return Error("head: WAL segment " + std::to_string(reader.segment()) + ": " + s.message());
  };
  while (reader.Next()) {
    finish_before(reader.segment_position());
    std::string_view rec = reader.record();
    switch (record::RecordType(rec)) {
      case record::Type::kSeries: {
        if (Status s = series.Decode(rec); !s.ok()) return bad_record(s);
        BuildReplayLabels(series, workers, &series_labels);
        // The series are looked up or created on several threads when that gives what record
        // order gives, then mapped by ref in record order, so that of two refs with the same
        // labels the first logged names the series.
        found.resize(series.size());
        const size_t threads = ParallelCreationIsExact(series.refs, series_labels) ? workers : 1;
        std::vector<std::vector<const MemSeries*>> new_series_of(threads);
        ForEachReplaySlice(series.size(), threads, [&](size_t slice, size_t begin, size_t end) {
          std::vector<const MemSeries*>& created_here = new_series_of[slice];
          for (size_t i = begin; i < end; ++i) {
            const uint64_t ref = series.refs[i];
            bool created = false;
            SeriesPtr s = series_.GetOrCreate(
                series_labels.hashes[i], series_labels.labels[i], [ref] { return ref; },
                [&created_here](MemSeries& m) { created_here.push_back(&m); }, &created);
            s->wal_logged.store(true, std::memory_order_relaxed);
            found[i] = {s.get(), created};
          }
        });
        for (size_t i = 0; i < series.size(); ++i) {
          const uint64_t ref = series.refs[i];
          MemSeries* s = found[i].series;
          max_ref = std::max(max_ref, ref);
          if (found[i].created) {
            ++replay_.series;
            counters_.series_created.fetch_add(1, std::memory_order_relaxed);
            if (remapped.empty() || !remapped.contains(ref)) by_ref.Set(ref, s);
          } else if (s->ref() != ref) {
            by_ref.Set(ref, s);
            remapped.insert(ref);
            ++replay_.duplicate_ref_series;
          }
        }
        std::vector<const MemSeries*> new_series;
        for (const auto& v : new_series_of) new_series.insert(new_series.end(), v.begin(), v.end());
        auto index = [this](std::span<const MemSeries* const> created) {
          for (const MemSeries* m : created) postings_.Add(m->ref(), m->labels());
        };
        if (new_series.size() < kMinReplaySeriesPerThread) {
          index(new_series);
        } else {
          if (indexing.joinable()) indexing.join();
          indexing =
              std::jthread([index, new_series = std::move(new_series)] { index(new_series); });
        }
        break;
      }
      case record::Type::kSamples: {
        // Decoded and dispatched in one pass, with no vector of samples. Unknown refs are
        // counted, as Prometheus counts them, among the samples not older than the blocks,
        // and only for a whole record (a malformed one fails the replay).
        int64_t unknown = 0;
        Status s = record::ForEachSample(rec, [&](uint64_t ref, int64_t t, uint64_t v_bits) {
          if (t < min_valid_time) return;
          MemSeries* m = by_ref.Get(ref);
          if (!m) {
            ++unknown;
            return;
          }
          shards.AddSample(m, t, v_bits);
        });
        if (!s.ok()) return bad_record(s);
        replay_.unknown_ref_samples += unknown;
        break;
      }
      case record::Type::kTombstones: {
        // Deletions apply to the samples replayed so far, as they did when logged.
        stones.clear();
        if (Status s = record::DecodeTombstones(rec, &stones); !s.ok()) {
          return bad_record(s);
        }
        for (const record::Stone& st : stones) {
          if (MemSeries* s = by_ref.Get(st.ref)) shards.AddDeletion(s, st.min_time, st.max_time);
        }
        break;
      }
      default:
        break;  // exemplars, metadata, histograms: not kept by the head yet
    }
  }
  if (indexing.joinable()) indexing.join();
  const ReplayShardStats applied = shards.Finish();
  replay_.samples = applied.samples;
  replay_.out_of_order_samples = applied.out_of_order_samples;
  counters_.chunks_created.fetch_add(applied.chunks_created, std::memory_order_relaxed);
  counters_.chunks_removed.fetch_add(applied.chunks_removed, std::memory_order_relaxed);
  if (reader.corruption()) {
    const wal::Corruption& c = *reader.corruption();
    replay_.corruption = wal::FormatCorruption(c);
    // A checkpoint is written atomically: damage there is not a crash's torn tail.
    bool in_checkpoint = false;
    for (size_t i = 0; i < checkpoint_count; ++i) {
      if (segments[i].path == c.path) in_checkpoint = true;
    }
    if (in_checkpoint || c.unsupported) return Error("head: WAL: " + replay_.corruption);
    spdlog::warn("head: WAL damaged, dropping from there on: {}", replay_.corruption);
    (void)Close();
    if (Status s = wal::Repair(options_.wal_dir, c); !s.ok()) {
      return Error("head: repairing the WAL: " + s.message());
    }
    *damaged = true;
  } else if (!reader.status().ok()) {
    return Error("head: reading the WAL: " + reader.status().message());
  } else {
    finish_before(segments.size());
  }
  next_ref_.store(std::max(next_ref_.load(), max_ref + 1));
  if (applied.max_time != kNoTime) {
    InitTime(applied.min_time);
    UpdateTimes(applied.min_time, applied.max_time);
  }
  return Status::Ok();
}

Status Head::TruncateWal(int64_t mint) {
  std::lock_guard tl(truncate_mu_);
  std::unique_lock lock(wal_mu_);
  if (!wal_) return Status::Ok();
  auto segs = wal::ListSegments(options_.wal_dir);
  if (!segs.ok()) return Error("head: listing WAL segments: " + segs.error().message());
  if (segs->empty()) return Status::Ok();
  int first = segs->front().index;
  auto checkpoint = wal::LastCheckpoint(options_.wal_dir);
  if (!checkpoint.ok()) return Error("head: WAL: " + checkpoint.error().message());
  if (*checkpoint && (*checkpoint)->index >= first) {
    // A crash came between a checkpoint and the removal of the segments it covers: they
    // are obsolete, and the next checkpoint starts after it.
    if (Status s = wal_->Truncate((*checkpoint)->index + 1); !s.ok()) return s;
    first = (*checkpoint)->index + 1;
  }
  // Start a new segment so that a quiet head does not keep more WAL than needed; the one
  // being written is never checkpointed.
  auto next = wal_->NextSegment();
  if (!next.ok()) return Error("head: WAL: " + next.error().message());
  lock.unlock();
  int last = *next - 1;
  // The older two thirds hold mostly samples now in blocks.
  last = first + (last - first) * 2 / 3;
  if (last <= first) return Status::Ok();

  auto keep = [this, last](uint64_t ref) {
    if (series_.GetByRef(ref)) return true;
    auto it = deleted_.find(ref);
    return it != deleted_.end() && it->second > last;
  };
  auto stats =
      wal::Checkpoint(options_.wal_dir, first, last, keep, mint, options_.wal_options.compress);
  if (!stats.ok()) return Error("head: WAL checkpoint: " + stats.error().message());
  {
    std::lock_guard relock(wal_mu_);
    if (wal_) {
      if (Status s = wal_->Truncate(last + 1); !s.ok()) return s;
    }
  }
  if (Status s = wal::DeleteCheckpoints(options_.wal_dir, last); !s.ok()) return s;
  for (auto it = deleted_.begin(); it != deleted_.end();) {
    it = it->second <= last ? deleted_.erase(it) : std::next(it);
  }
  return Status::Ok();
}

}  // namespace tsdbd::tsdb
