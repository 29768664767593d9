// The DB's admin operations (/api/v1/admin/tsdb/...): Delete, CleanTombstones, Snapshot.
// Each holds compact_mu_, as Prometheus holds its compaction lock: a compaction must not
// replace a block while tombstones are added to it, nor delete one that is being linked.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <system_error>

#include "lib/model/timestamp.h"
#include "lib/tsdb/block/block_writer.h"
#include "lib/tsdb/block/ulid.h"
#include "lib/tsdb/compact/compactor.h"
#include "lib/tsdb/db/block_files.h"
#include "lib/tsdb/db/db.h"
#include "lib/tsdb/fs/file.h"

namespace tsdbd::tsdb {
namespace {

namespace stdfs = std::filesystem;

constexpr int64_t kMaxTime = std::numeric_limits<int64_t>::max();

// Links `from` as `to`, copying when the filesystem cannot link (another device, or one
// without hard links).
Status LinkOrCopy(const stdfs::path& from, const stdfs::path& to) {
  if (::link(from.c_str(), to.c_str()) == 0) return Status::Ok();
  const int err = errno;
  if (err != EXDEV && err != EPERM && err != ENOTSUP && err != EMLINK) {
    return Error("linking " + from.string() + ": " + std::strerror(err));
  }
  std::error_code ec;
  stdfs::copy_file(from, to, ec);
  if (ec) return Error("copying " + from.string() + ": " + ec.message());
  return Status::Ok();
}

// <dir>/<ulid>/ holding links to the block's files (Prometheus's Block.Snapshot). The
// files of a block never change in place (tombstones and meta.json are replaced by rename),
// so the links are a consistent copy.
Status SnapshotBlock(const block::Block& b, const std::string& dir) {
  const stdfs::path src(b.dir());
  const stdfs::path dst = stdfs::path(dir) / b.ulid();
  std::error_code ec;
  stdfs::create_directories(dst / "chunks", ec);
  if (ec) return Error("creating " + (dst / "chunks").string() + ": " + ec.message());
  for (const char* name : {"meta.json", "index"}) {
    if (Status s = LinkOrCopy(src / name, dst / name); !s.ok()) return s;
  }
  if (stdfs::exists(src / "tombstones", ec)) {
    if (Status s = LinkOrCopy(src / "tombstones", dst / "tombstones"); !s.ok()) return s;
  } else if (Status s = block::WriteTombstones(dst.string(), block::Tombstones()); !s.ok()) {
    return s;
  }
  for (const auto& e : stdfs::directory_iterator(src / "chunks", ec)) {
    if (!e.is_regular_file()) continue;
    if (Status s = LinkOrCopy(e.path(), dst / "chunks" / e.path().filename()); !s.ok()) {
      return s;
    }
  }
  if (ec) return Error("listing " + (src / "chunks").string() + ": " + ec.message());
  if (Status s = fs::SyncDir((dst / "chunks").string()); !s.ok()) return s;
  if (Status s = fs::SyncDir(dst.string()); !s.ok()) return s;
  return fs::SyncDir(dir);
}

}  // namespace

Status DB::Delete(int64_t mint, int64_t maxt, std::span<const Matcher> matchers) {
  std::lock_guard lock(compact_mu_);
  for (const block::BlockPtr& b : Blocks()) {
    // Blocks are half-open, [MinTime, MaxTime).
    if (b->MinTime() > maxt || b->MaxTime() <= mint) continue;
    if (Status s = b->Delete(mint, maxt, matchers); !s.ok()) return s;
  }
  return head_->Delete(mint, maxt, matchers);
}

Status DB::CleanTombstones() {
  std::lock_guard lock(compact_mu_);
  for (const block::BlockPtr& b : Blocks()) {
    if (b->tombstones()->Empty()) continue;
    std::vector<block::BlockPtr> inputs{b};
    auto result = compact::CompactBlocks(options_.dir, inputs, NowTimestampMs());
    if (!result.ok()) {
      return Error("cleaning tombstones of block " + b->ulid() + ": " + result.error().message());
    }
    if (!*result) {
      // Every sample was deleted: no successor names the block as its parent.
      if (Status s = DropBlock(*b); !s.ok()) return s;
      spdlog::info("clean tombstones: block={} had nothing left, deleted", b->ulid());
    } else {
      // Prometheus 2.42 writes the rewrite as a fresh level-1 block that is its own source,
      // with the old block as its parent.
      block::BlockMeta m = **result;
      m.compaction.level = 1;
      m.compaction.sources = {m.ulid};
      const std::string dir = (stdfs::path(options_.dir) / m.ulid).string();
      if (Status s = block::WriteMeta(dir, m); !s.ok()) return s;
      spdlog::info("clean tombstones: block={} rewritten as {}", b->ulid(), m.ulid);
    }
    // Swaps the block for its rewrite (or drops it) before the next one.
    if (Status s = ReloadBlocks(); !s.ok()) return s;
  }
  return Status::Ok();
}

Status DB::Snapshot(const std::string& dir, bool with_head) {
  std::error_code ec;
  if (stdfs::weakly_canonical(dir, ec) == stdfs::weakly_canonical(options_.dir, ec)) {
    return Error("cannot snapshot into base directory");
  }
  if (block::IsUlid(stdfs::path(dir).filename().string())) {
    return Error("dir must not be a valid ULID");
  }
  std::lock_guard lock(compact_mu_);
  stdfs::create_directories(dir, ec);
  if (ec) return Error("creating " + dir + ": " + ec.message());
  for (const block::BlockPtr& b : Blocks()) {
    spdlog::info("snapshotting block {}", b->ulid());
    if (Status s = SnapshotBlock(*b, dir); !s.ok()) {
      return Error("error snapshotting block " + b->ulid() + ": " + s.message());
    }
  }
  if (!with_head) return Status::Ok();

  int64_t mint = head_->MinTime(), maxt = head_->MaxTime();
  if (maxt == Head::kNoTime) return Status::Ok();
  // Appends go on meanwhile: the block covers every chunk copied, so they are all copied
  // before the block's range is known.
  HeadSeriesSource source(*head_, mint, kMaxTime);
  std::vector<block::ChunkSeries> series;
  while (const block::ChunkSeries* s = source.Next()) series.push_back(*s);
  for (const block::ChunkSeries& cs : series) {
    for (const block::ChunkSpan& c : cs.chunks) {
      mint = std::min(mint, c.min_time);
      maxt = std::max(maxt, c.max_time);
    }
  }
  // As Prometheus, an empty head makes no block.
  if (series.empty()) return Status::Ok();
  block::BlockMeta meta;
  meta.ulid = block::NewUlid(NowTimestampMs());
  meta.min_time = mint;
  meta.max_time = maxt + 1;  // blocks are half-open
  meta.compaction.level = 1;
  meta.compaction.sources = {meta.ulid};
  auto written = block::WriteBlock(dir, series, meta);
  if (!written.ok()) return Error("snapshot of the head: " + written.error().message());
  return Status::Ok();
}

}  // namespace tsdbd::tsdb
