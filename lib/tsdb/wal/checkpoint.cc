#include "lib/tsdb/wal/checkpoint.h"

#include <algorithm>
#include <filesystem>
#include <unordered_map>

#include "fmt/format.h"
#include "lib/tsdb/fs/file.h"
#include "lib/tsdb/record/decoder.h"
#include "lib/tsdb/record/encoder.h"
#include "lib/tsdb/wal/reader.h"
#include "lib/tsdb/wal/wal.h"

namespace tsdbd::tsdb::wal {
namespace fs = std::filesystem;
namespace rec = tsdbd::tsdb::record;

namespace {

// Batches encoded records and logs them about every MiB, reusing the records' buffers.
class BatchWriter {
 public:
  explicit BatchWriter(Wal* wal) : wal_(wal) {}
  // An empty record to encode into, valid until the next call.
  std::string* NewRecord() {
    if (used_ == recs_.size()) recs_.emplace_back();
    std::string* r = &recs_[used_++];
    r->clear();
    return r;
  }
  Status MaybeFlush() {
    bytes_ += recs_[used_ - 1].size();
    return bytes_ >= (1u << 20) ? Flush() : Status::Ok();
  }
  Status Flush() {
    if (used_ > 0) {
      views_.assign(recs_.begin(), recs_.begin() + static_cast<std::ptrdiff_t>(used_));
      auto r = wal_->Log(views_);
      if (!r.ok()) return r.error();
    }
    used_ = 0;
    bytes_ = 0;
    return Status::Ok();
  }

 private:
  Wal* wal_;
  std::vector<std::string> recs_;  // the first used_ are the batch
  size_t used_ = 0;
  std::vector<std::string_view> views_;
  size_t bytes_ = 0;
};

}  // namespace

Result<ReplaySet> FindReplaySet(const std::string& wal_dir) {
  ReplaySet set;
  auto cp = LastCheckpoint(wal_dir);
  if (!cp.ok()) return cp.error();
  auto segs = ListSegments(wal_dir);
  if (!segs.ok()) return segs.error();
  int after = -1;
  if (*cp) {
    set.checkpoint = **cp;
    auto cp_segs = ListSegments((*cp)->path);
    if (!cp_segs.ok()) return cp_segs.error();
    set.checkpoint_segments = std::move(cp_segs).value();
    after = (*cp)->index;
  }
  for (SegmentRef& s : *segs) {
    if (s.index > after) set.segments.push_back(std::move(s));
  }
  return set;
}

Result<CheckpointStats> Checkpoint(const std::string& wal_dir, int from, int to,
                                   const std::function<bool(uint64_t ref)>& keep, int64_t mint,
                                   bool compress) {
  if (from > to) return Error(fmt::format("checkpoint: empty segment range {}..{}", from, to));
  std::vector<SegmentRef> inputs;
  auto last = LastCheckpoint(wal_dir);
  if (!last.ok()) return last.error();
  if (*last) {
    if ((*last)->index >= from) {
      return Error(fmt::format("checkpoint: {} already covers segment {}", (*last)->path, from));
    }
    auto cp_segs = ListSegments((*last)->path);
    if (!cp_segs.ok()) return cp_segs.error();
    inputs = std::move(cp_segs).value();
  }
  auto segs = ListSegments(wal_dir);
  if (!segs.ok()) return segs.error();
  for (int i = from; i <= to; ++i) {
    auto it =
        std::find_if(segs->begin(), segs->end(), [i](const SegmentRef& s) { return s.index == i; });
    if (it == segs->end()) {
      return Error(fmt::format("checkpoint: segment {} missing in {}", SegmentName(i), wal_dir));
    }
    inputs.push_back(*it);
  }

  const std::string final_dir = wal_dir + "/" + CheckpointName(to);
  const std::string tmp_dir = final_dir + ".tmp";
  std::error_code ec;
  fs::remove_all(tmp_dir, ec);
  if (ec) return Error("checkpoint: remove " + tmp_dir + ": " + ec.message());

  // Removes the temporary directory on every early return.
  struct TmpGuard {
    const std::string& path;
    bool armed = true;
    ~TmpGuard() {
      std::error_code ignored;
      if (armed) fs::remove_all(path, ignored);
    }
  } guard{tmp_dir};

  CheckpointStats stats;
  {
    WalOptions opts;
    opts.compress = compress;
    opts.repair_tail = false;
    auto out = Wal::Open(tmp_dir, opts);
    if (!out.ok()) return out.error();
    BatchWriter batch(out->get());
    std::unordered_map<uint64_t, rec::RefMetadata> latest_metadata;
    std::vector<rec::RefSeries> series;
    std::vector<rec::RefSample> samples;
    std::vector<rec::Stone> stones;
    std::vector<rec::RefExemplar> exemplars;
    std::vector<rec::RefMetadata> metadata;

    Reader reader(std::move(inputs));
    while (reader.Next()) {
      std::string_view r = reader.record();
      Status s;
      switch (rec::RecordType(r)) {
        case rec::Type::kSeries:
          series.clear();
          if (s = rec::DecodeSeries(r, &series); !s.ok()) break;
          stats.total_series += static_cast<int64_t>(series.size());
          stats.dropped_series +=
              std::erase_if(series, [&](const rec::RefSeries& x) { return !keep(x.ref); });
          if (!series.empty()) {
            rec::EncodeSeries(series, batch.NewRecord());
            s = batch.MaybeFlush();
          }
          break;
        case rec::Type::kSamples:
          samples.clear();
          if (s = rec::DecodeSamples(r, &samples); !s.ok()) break;
          stats.total_samples += static_cast<int64_t>(samples.size());
          stats.dropped_samples +=
              std::erase_if(samples, [&](const rec::RefSample& x) { return x.t < mint; });
          if (!samples.empty()) {
            rec::EncodeSamples(samples, batch.NewRecord());
            s = batch.MaybeFlush();
          }
          break;
        case rec::Type::kTombstones:
          stones.clear();
          if (s = rec::DecodeTombstones(r, &stones); !s.ok()) break;
          stats.total_tombstones += static_cast<int64_t>(stones.size());
          stats.dropped_tombstones += std::erase_if(
              stones, [&](const rec::Stone& x) { return x.max_time < mint || !keep(x.ref); });
          if (!stones.empty()) {
            rec::EncodeTombstones(stones, batch.NewRecord());
            s = batch.MaybeFlush();
          }
          break;
        case rec::Type::kExemplars:
          exemplars.clear();
          if (s = rec::DecodeExemplars(r, &exemplars); !s.ok()) break;
          stats.total_exemplars += static_cast<int64_t>(exemplars.size());
          stats.dropped_exemplars +=
              std::erase_if(exemplars, [&](const rec::RefExemplar& x) { return x.t < mint; });
          if (!exemplars.empty()) {
            rec::EncodeExemplars(exemplars, batch.NewRecord());
            s = batch.MaybeFlush();
          }
          break;
        case rec::Type::kMetadata:
          metadata.clear();
          if (s = rec::DecodeMetadata(r, &metadata); !s.ok()) break;
          stats.total_metadata += static_cast<int64_t>(metadata.size());
          for (rec::RefMetadata& m : metadata) {
            if (keep(m.ref)) {
              latest_metadata[m.ref] = std::move(m);
            } else {
              ++stats.dropped_metadata;
            }
          }
          break;
        default:
          ++stats.dropped_other_records;
          break;
      }
      if (!s.ok()) {
        return Error(fmt::format("checkpoint: segment {} offset {}: {}",
                                 SegmentName(reader.segment()), reader.offset(), s.message()));
      }
    }
    if (!reader.status().ok()) return Error("checkpoint: " + reader.status().message());

    if (!latest_metadata.empty()) {
      metadata.clear();
      for (auto& [ref, m] : latest_metadata) metadata.push_back(std::move(m));
      // Records already written hold superseded metadata of the same series.
      stats.dropped_metadata +=
          stats.total_metadata - stats.dropped_metadata - static_cast<int64_t>(metadata.size());
      rec::EncodeMetadata(metadata, batch.NewRecord());
    }
    if (Status s = batch.Flush(); !s.ok()) return Error("checkpoint: " + s.message());
    if (Status s = (*out)->Close(); !s.ok()) return Error("checkpoint: " + s.message());
  }
  if (Status s = tsdb::fs::SyncDir(tmp_dir); !s.ok()) return Error("checkpoint: " + s.message());
  fs::remove_all(final_dir, ec);
  if (ec) return Error("checkpoint: remove " + final_dir + ": " + ec.message());
  fs::rename(tmp_dir, final_dir, ec);
  if (ec) return Error("checkpoint: rename " + tmp_dir + ": " + ec.message());
  guard.armed = false;
  if (Status s = tsdb::fs::SyncDir(wal_dir); !s.ok()) return Error("checkpoint: " + s.message());
  return stats;
}

Status DeleteCheckpoints(const std::string& wal_dir, int max_index) {
  std::error_code ec;
  for (fs::directory_iterator it(wal_dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    std::string_view base = name;
    if (base.ends_with(".tmp")) base.remove_suffix(4);
    auto idx = ParseCheckpointName(base);
    if (!idx || *idx >= max_index) continue;
    std::error_code rm;
    fs::remove_all(it->path(), rm);
    if (rm) return Error("remove " + it->path().string() + ": " + rm.message());
  }
  if (ec) return Error("list " + wal_dir + ": " + ec.message());
  return tsdb::fs::SyncDir(wal_dir);
}

}  // namespace tsdbd::tsdb::wal
