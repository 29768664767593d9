#include "lib/tsdb/db/db.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>

#include "lib/model/timestamp.h"
#include "lib/storage/merge_querier.h"
#include "lib/tsdb/block/block_writer.h"
#include "lib/tsdb/block/ulid.h"
#include "lib/tsdb/compact/block_ranges.h"
#include "lib/tsdb/compact/compactor.h"
#include "lib/tsdb/compact/planner.h"
#include "lib/tsdb/db/block_files.h"
#include "lib/tsdb/fs/dir_tree.h"
#include "lib/tsdb/fs/durable.h"

namespace tsdbd::tsdb {
namespace {

namespace stdfs = std::filesystem;

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Removes what an interrupted block write or deletion left behind.
Status RemoveLeftovers(const std::string& dir) {
  std::error_code ec;
  for (const auto& entry : stdfs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (EndsWith(name, block::kTmpForCreation) || EndsWith(name, block::kTmpForDeletion)) {
      spdlog::info("Removing leftover of an interrupted write or deletion: {}", name);
      if (Status s = fs::RemoveAll(entry.path().string()); !s.ok()) return s;
    }
  }
  if (ec) return Error("reading " + dir + ": " + ec.message());
  return Status::Ok();
}

// The directories of <dir> named by a ULID and holding a meta.json.
std::vector<std::string> BlockDirs(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : stdfs::directory_iterator(dir, ec)) {
    if (!entry.is_directory(ec)) continue;
    if (!block::IsUlid(entry.path().filename().string())) continue;
    if (!stdfs::exists(entry.path() / "meta.json", ec)) continue;
    out.push_back(entry.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Bytes of the head's files, as size retention counts them: the WAL and head chunks.
uint64_t HeadFilesBytes(const std::string& dir) {
  uint64_t bytes = 0;
  for (const char* sub : {"wal", "chunks_head"}) {
    if (auto n = fs::DirSize((stdfs::path(dir) / sub).string()); n.ok()) bytes += *n;
  }
  return bytes;
}

}  // namespace

DB::DB(DbOptions options) : options_(std::move(options)) {}

DB::~DB() {
  (void)Close();
}

Result<std::unique_ptr<DB>> DB::Open(DbOptions options) {
  std::error_code ec;
  stdfs::create_directories(options.dir, ec);
  if (ec) return Error("creating " + options.dir + ": " + ec.message());
  if (Status s = RemoveLeftovers(options.dir); !s.ok()) return Error(s.message());
  std::unique_ptr<DB> db(new DB(std::move(options)));
  if (Status s = db->ReloadBlocks(); !s.ok()) return Error(s.message());

  HeadOptions head;
  head.chunk_range_ms = db->options_.min_block_duration_ms;
  head.wal_dir = (stdfs::path(db->options_.dir) / "wal").string();
  head.wal_options.compress = db->options_.wal_compression;
  head.replay_status = db->options_.replay_status;
  {
    std::lock_guard lock(db->blocks_mu_);
    for (const block::BlockPtr& b : db->blocks_) {
      head.min_valid_time = std::max(head.min_valid_time, b->MaxTime());
    }
  }
  auto h = Head::Open(head);
  if (!h.ok()) return h.error();
  db->head_ = std::move(*h);
  if (db->options_.background)
    db->background_ = std::thread([d = db.get()] { d->BackgroundLoop(); });
  return db;
}

std::unique_ptr<storage::Appender> DB::NewAppender() {
  return head_->NewAppender();
}

Result<std::unique_ptr<storage::Querier>> DB::NewQuerier(int64_t mint_ms, int64_t maxt_ms) {
  std::vector<block::BlockPtr> blocks;
  std::unique_ptr<storage::Querier> head_querier;
  {
    // The head querier registers as a reader together with taking the block list: a head
    // truncation then either finds it registered and waits, or it sees the block that
    // holds what the truncation drops (CompactHead).
    std::lock_guard lock(blocks_mu_);
    for (const block::BlockPtr& b : blocks_) {
      if (b->MaxTime() > mint_ms && b->MinTime() <= maxt_ms) blocks.push_back(b);
    }
    if (blocks.empty() || maxt_ms >= head_->MinTime()) {
      auto hq = head_->NewQuerier(mint_ms, maxt_ms);
      if (!hq.ok()) return hq.error();
      head_querier = std::move(*hq);
    }
  }
  std::vector<std::unique_ptr<storage::Querier>> queriers;
  for (const block::BlockPtr& b : blocks) queriers.push_back(b->NewQuerier(mint_ms, maxt_ms));
  if (head_querier) queriers.push_back(std::move(head_querier));
  return storage::NewMergeQuerier(std::move(queriers));
}

std::vector<block::BlockPtr> DB::Blocks() const {
  std::lock_guard lock(blocks_mu_);
  return blocks_;
}

void DB::SetCompactionObserver(std::function<void(double)> observe) {
  std::lock_guard lock(compact_mu_);
  observe_compaction_ = std::move(observe);
}

uint64_t DB::StorageBytes() const {
  uint64_t bytes = HeadFilesBytes(options_.dir);
  for (const block::BlockPtr& b : Blocks()) bytes += b->Size();
  return bytes;
}

Status DB::Compact() {
  std::lock_guard lock(compact_mu_);
  if (Status s = CompactHead(); !s.ok()) return s;
  if (Status s = CompactBlocks(); !s.ok()) return s;
  return ReloadBlocks();
}

Status DB::CompactHead() {
  const int64_t range = options_.min_block_duration_ms;
  int64_t truncated_to = Head::kNoTime;
  for (;;) {
    const int64_t head_min = head_->MinTime(), head_max = head_->MaxTime();
    if (head_max == Head::kNoTime || head_max - head_min <= range / 2 * 3) break;
    const int64_t mint = head_min;
    const int64_t maxt = RangeForTimestamp(mint, range);
    counters_.compactions_triggered.fetch_add(1, std::memory_order_relaxed);
    const auto started = std::chrono::steady_clock::now();
    if (HeadSeriesSource series(*head_, mint, maxt - 1); !series.empty()) {
      block::BlockMeta meta;
      meta.ulid = block::NewUlid(NowTimestampMs());
      meta.min_time = mint;
      meta.max_time = maxt;
      meta.compaction.level = 1;
      meta.compaction.sources = {meta.ulid};
      auto written = block::WriteBlock(options_.dir, series, meta);
      if (!written.ok()) {
        counters_.compactions_failed.fetch_add(1, std::memory_order_relaxed);
        return Error("compacting the head: " + written.error().message());
      }
      const double secs =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      counters_.compactions.fetch_add(1, std::memory_order_relaxed);
      if (observe_compaction_) observe_compaction_(secs);
      // Deletions meanwhile may have left nothing to write: then no block was published.
      if (written->stats.num_series > 0) {
        spdlog::info("write block: ulid={} mint={} maxt={} duration={:.3f}s", meta.ulid, mint, maxt,
                     secs);
        if (Status s = ReloadBlocks(); !s.ok()) return s;
      }
    }
    // Queriers that took the block list before the block was published would find the range
    // in neither place: they finish first (new ones see the block).
    head_->readers().WaitForOlderReaders(head_->readers().NextId(), maxt);
    head_->TruncateMemory(maxt);
    counters_.head_truncations.fetch_add(1, std::memory_order_relaxed);
    truncated_to = maxt;
  }
  if (truncated_to == Head::kNoTime) return Status::Ok();
  // As Prometheus: the WAL is checkpointed once, after the whole head compaction (so size
  // retention during it counts the WAL as it was).
  if (Status s = head_->TruncateWal(truncated_to); !s.ok()) {
    return Error("truncating the WAL: " + s.message());
  }
  return Status::Ok();
}

Status DB::CompactBlocks() {
  const std::vector<int64_t> ranges =
      compact::BlockRanges(options_.min_block_duration_ms, options_.max_block_duration_ms);
  for (;;) {
    std::vector<block::BlockPtr> blocks = Blocks();
    std::vector<block::BlockMeta> metas;
    metas.reserve(blocks.size());
    for (const block::BlockPtr& b : blocks) metas.push_back(b->meta());
    const std::vector<size_t> plan = compact::Plan(metas, ranges);
    if (plan.empty()) return Status::Ok();
    std::vector<block::BlockPtr> inputs;
    for (size_t i : plan) inputs.push_back(blocks[i]);
    const auto started = std::chrono::steady_clock::now();
    auto result = compact::CompactBlocks(options_.dir, inputs, NowTimestampMs());
    if (!result.ok()) {
      counters_.compactions_failed.fetch_add(1, std::memory_order_relaxed);
      // The plan would pick the same blocks again and again: set them aside.
      for (const block::BlockPtr& b : inputs) {
        if (Status s = b->MarkCompactionFailed(); !s.ok()) {
          spdlog::error("marking block {} as failed to compact: {}", b->ulid(), s.message());
        }
      }
      return Error("compacting blocks: " + result.error().message());
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    counters_.compactions.fetch_add(1, std::memory_order_relaxed);
    if (inputs.size() > 1 && inputs[0]->MaxTime() > inputs[1]->MinTime()) {
      counters_.vertical_compactions.fetch_add(1, std::memory_order_relaxed);
    }
    if (observe_compaction_) observe_compaction_(secs);
    if (!*result) {
      // Nothing was left: no successor names the inputs as parents.
      for (const block::BlockPtr& b : inputs) {
        if (Status s = DropBlock(*b); !s.ok()) return s;
      }
    } else {
      spdlog::info("compact blocks: count={} mint={} maxt={} ulid={} duration={:.3f}s",
                   inputs.size(), (*result)->min_time, (*result)->max_time, (*result)->ulid, secs);
    }
    // Reopening swaps the inputs for the result (or drops them), so the plan moves on.
    if (Status s = ReloadBlocks(); !s.ok()) return s;
  }
}

Status DB::ReloadBlocks() {
  counters_.reloads.fetch_add(1, std::memory_order_relaxed);
  std::map<std::string, block::BlockPtr> current;
  for (const block::BlockPtr& b : Blocks()) current[b->ulid()] = b;

  std::vector<block::BlockPtr> loaded;
  for (const std::string& dir : BlockDirs(options_.dir)) {
    const std::string ulid = stdfs::path(dir).filename().string();
    if (auto it = current.find(ulid); it != current.end()) {
      loaded.push_back(it->second);
      continue;
    }
    auto b = block::Block::Open(dir);
    if (!b.ok()) {
      counters_.reloads_failed.fetch_add(1, std::memory_order_relaxed);
      return Error("opening block: " + b.error().message());
    }
    loaded.push_back(std::move(*b));
  }

  // Blocks a compaction has replaced, or marked deletable, go first.
  std::set<std::string> deletable;
  for (const block::BlockPtr& b : loaded) {
    const block::BlockMeta m = b->meta();
    if (m.compaction.deletable) deletable.insert(m.ulid);
    for (const block::BlockDesc& p : m.compaction.parents) deletable.insert(p.ulid);
  }
  std::vector<block::BlockPtr> keep;
  for (const block::BlockPtr& b : loaded) {
    if (!deletable.contains(b->ulid())) keep.push_back(b);
  }
  // Retention, newest block first: by time relative to the newest block's end, and by size
  // counting the WAL and head chunks too.
  std::sort(keep.begin(), keep.end(), [](const block::BlockPtr& a, const block::BlockPtr& b) {
    return a->MaxTime() > b->MaxTime();
  });
  size_t retained = keep.size();
  if (options_.retention_ms > 0) {
    for (size_t i = 1; i < keep.size(); ++i) {
      if (keep[0]->MaxTime() - keep[i]->MaxTime() > options_.retention_ms) {
        retained = i;
        counters_.time_retentions.fetch_add(1, std::memory_order_relaxed);
        break;
      }
    }
  }
  if (options_.retention_bytes > 0) {
    uint64_t bytes = HeadFilesBytes(options_.dir);
    for (size_t i = 0; i < retained; ++i) {
      bytes += keep[i]->Size();
      if (bytes > static_cast<uint64_t>(options_.retention_bytes)) {
        retained = i;
        counters_.size_retentions.fetch_add(1, std::memory_order_relaxed);
        break;
      }
    }
  }
  for (size_t i = retained; i < keep.size(); ++i) deletable.insert(keep[i]->ulid());
  keep.resize(retained);
  std::sort(keep.begin(), keep.end(), [](const block::BlockPtr& a, const block::BlockPtr& b) {
    return a->MinTime() < b->MinTime();
  });
  {
    std::lock_guard lock(blocks_mu_);
    blocks_ = keep;
  }
  // Queriers holding a dropped block keep reading it: its files are unlinked, not unmapped.
  for (const block::BlockPtr& b : loaded) {
    if (!deletable.contains(b->ulid())) continue;
    spdlog::info("Deleting obsolete block: {}", b->ulid());
    if (Status s = DeleteBlockDir(b->dir()); !s.ok()) {
      counters_.reloads_failed.fetch_add(1, std::memory_order_relaxed);
      return Error("deleting block " + b->ulid() + ": " + s.message());
    }
  }
  return Status::Ok();
}

void DB::BackgroundLoop() {
  auto last_full = std::chrono::steady_clock::now();
  std::unique_lock lock(stop_mu_);
  while (!stopping_) {
    stop_cv_.wait_for(lock, std::chrono::seconds(1));
    if (stopping_) break;
    const int64_t head_min = head_->MinTime(), head_max = head_->MaxTime();
    const bool head_ready =
        head_max != Head::kNoTime && head_max - head_min > options_.min_block_duration_ms / 2 * 3;
    const auto now = std::chrono::steady_clock::now();
    if (!head_ready && now - last_full < std::chrono::minutes(1)) continue;
    last_full = now;
    lock.unlock();
    if (Status s = Compact(); !s.ok()) spdlog::error("compaction failed: {}", s.message());
    lock.lock();
  }
}

Status DB::Close() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (background_.joinable()) background_.join();
  return head_ ? head_->Close() : Status::Ok();
}

}  // namespace tsdbd::tsdb
