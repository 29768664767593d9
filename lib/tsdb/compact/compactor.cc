#include "lib/tsdb/compact/compactor.h"

#include <algorithm>
#include <iterator>
#include <memory>
#include <vector>

#include "lib/tsdb/block/block_writer.h"
#include "lib/tsdb/block/ulid.h"
#include "lib/tsdb/chunkenc/encoding.h"
#include "lib/tsdb/compact/series_merge.h"

namespace tsdbd::tsdb::compact {

namespace {

using block::BlockMeta;
using block::BlockPtr;
using block::ChunkMeta;
using block::ChunkSeries;
using block::Interval;

// Walks one input block's series in label order (the order of references in the index).
class BlockCursor {
 public:
  BlockCursor(const block::Block& block, index::PostingsPtr all)
      : block_(block), all_(std::move(all)), tombstones_(block.tombstones()) {}

  // Moves to the next series; false at the end or on error (see status()).
  bool Next() {
    if (!all_->Next()) return false;
    ref_ = all_->At();
    Labels previous = std::move(labels_);
    if (Status s = block_.index().Series(ref_, &labels_, &chunks_); !s.ok()) {
      status_ = Error("block " + block_.ulid() + ": " + s.message());
      return false;
    }
    if (!previous.empty() && !(previous < labels_)) {
      status_ = Error("block " + block_.ulid() + ": series out of order in the index at " +
                      labels_.ToString());
      return false;
    }
    deleted_ = tombstones_->Get(ref_);
    return true;
  }

  const Labels& labels() const { return labels_; }
  const std::vector<ChunkMeta>& chunks() const { return chunks_; }
  const std::vector<Interval>& deleted() const { return deleted_; }
  const block::Block& block() const { return block_; }
  const Status& status() const { return status_; }

 private:
  const block::Block& block_;
  index::PostingsPtr all_;
  std::shared_ptr<const block::Tombstones> tombstones_;
  uint64_t ref_ = 0;
  Labels labels_;
  std::vector<ChunkMeta> chunks_;
  std::vector<Interval> deleted_;
  Status status_;
};

// Collects the chunks of the current series of `cursor` as sources.
Status AddChunks(const BlockCursor& cursor, uint32_t source, std::vector<SourceChunk>* out) {
  for (const ChunkMeta& m : cursor.chunks()) {
    uint8_t encoding = 0;
    auto bytes = cursor.block().chunks().Chunk(m.ref, &encoding);
    if (!bytes.ok()) {
      return Error("block " + cursor.block().ulid() + ": series " + cursor.labels().ToString() +
                   ": " + bytes.error().message());
    }
    if (encoding != static_cast<uint8_t>(chunkenc::Encoding::kXor)) {
      return Error("block " + cursor.block().ulid() + ": series " + cursor.labels().ToString() +
                   ": unsupported chunk encoding " + std::to_string(encoding));
    }
    out->push_back({{m.min_time, m.max_time, *bytes}, source, cursor.deleted()});
  }
  return Status::Ok();
}

// The series of the input blocks merged by labels, handed to the block writer one at a time
// in label order. The blocks must stay open while it is used.
class MergedSeriesSource final : public block::SeriesSource {
 public:
  explicit MergedSeriesSource(std::span<const BlockPtr> blocks) : blocks_(blocks) {
    cursors_.reserve(blocks.size());
    for (const BlockPtr& b : blocks) {
      auto all = b->index().Postings("", "");
      if (!all.ok()) {
        status_ = Error("block " + b->ulid() + ": " + all.error().message());
        return;
      }
      cursors_.emplace_back(*b, std::move(*all));
      live_.push_back(cursors_.back().Next());
      if (!cursors_.back().status().ok()) {
        status_ = cursors_.back().status();
        return;
      }
    }
  }

  // As Prometheus: the union of the inputs' symbol tables, so the symbols of series that
  // are dropped whole (all deleted) stay.
  std::vector<std::string_view> Symbols() const override {
    std::vector<std::string_view> symbols, merged;
    for (const BlockPtr& b : blocks_) {
      const std::vector<std::string_view> more = b->index().Symbols();
      merged.clear();
      std::set_union(symbols.begin(), symbols.end(), more.begin(), more.end(),
                     std::back_inserter(merged));
      symbols.swap(merged);
    }
    return symbols;
  }

  const ChunkSeries* Next() override {
    while (status_.ok()) {
      // The smallest labels among the cursors: k is small (a handful of blocks).
      const Labels* smallest = nullptr;
      for (size_t i = 0; i < cursors_.size(); ++i) {
        if (live_[i] && (!smallest || cursors_[i].labels() < *smallest)) {
          smallest = &cursors_[i].labels();
        }
      }
      if (!smallest) return nullptr;
      current_.labels = *smallest;
      current_.chunks.clear();
      sources_.clear();
      std::vector<size_t> advance;
      for (size_t i = 0; i < cursors_.size(); ++i) {
        if (!live_[i] || !(cursors_[i].labels() == current_.labels)) continue;
        if (Status s = AddChunks(cursors_[i], static_cast<uint32_t>(i), &sources_); !s.ok()) {
          status_ = s;
          return nullptr;
        }
        advance.push_back(i);
      }
      OwnedChunks owned;
      if (Status s = MergeSeriesChunks(sources_, &current_.chunks, &owned); !s.ok()) {
        status_ = Error("series " + current_.labels.ToString() + ": " + s.message());
        return nullptr;
      }
      // The sources' deleted intervals borrow from the cursors: advance them only now.
      for (size_t i : advance) {
        live_[i] = cursors_[i].Next();
        if (!cursors_[i].status().ok()) {
          status_ = cursors_[i].status();
          return nullptr;
        }
      }
      if (current_.chunks.empty()) continue;
      current_.owner =
          owned.empty() ? nullptr : std::make_shared<const OwnedChunks>(std::move(owned));
      return &current_;
    }
    return nullptr;
  }

  Status Err() const override { return status_; }

 private:
  std::span<const BlockPtr> blocks_;
  std::vector<BlockCursor> cursors_;
  std::vector<bool> live_;  // whether cursors_[i] is on a series
  std::vector<SourceChunk> sources_;
  ChunkSeries current_;
  Status status_;
};

}  // namespace

BlockMeta CompactedMeta(std::span<const BlockMeta> inputs, std::string ulid) {
  BlockMeta meta;
  meta.ulid = std::move(ulid);
  int level = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const BlockMeta& in = inputs[i];
    meta.min_time = i == 0 ? in.min_time : std::min(meta.min_time, in.min_time);
    meta.max_time = i == 0 ? in.max_time : std::max(meta.max_time, in.max_time);
    level = std::max(level, in.compaction.level);
    meta.compaction.sources.insert(meta.compaction.sources.end(), in.compaction.sources.begin(),
                                   in.compaction.sources.end());
    meta.compaction.parents.push_back({in.ulid, in.min_time, in.max_time});
  }
  std::vector<std::string>& sources = meta.compaction.sources;
  std::sort(sources.begin(), sources.end());
  sources.erase(std::unique(sources.begin(), sources.end()), sources.end());
  meta.compaction.level = level + 1;
  return meta;
}

Result<std::optional<BlockMeta>> CompactBlocks(const std::string& parent_dir,
                                               std::span<const BlockPtr> blocks, int64_t now_ms) {
  if (blocks.empty()) return Error("compacting blocks: no blocks given");
  std::vector<BlockMeta> input_metas;
  for (const BlockPtr& b : blocks) input_metas.push_back(b->meta());
  BlockMeta meta = CompactedMeta(input_metas, block::NewUlid(now_ms));

  MergedSeriesSource series(blocks);
  auto written = block::WriteBlock(parent_dir, series, std::move(meta));
  if (!written.ok()) return written.error();
  // Nothing at all was left: no block was published.
  if (written->stats.num_series == 0) return std::optional<BlockMeta>();
  return std::optional<BlockMeta>(std::move(*written));
}

}  // namespace tsdbd::tsdb::compact
