#include "lib/tsdb/block/block.h"

#include <filesystem>

#include "lib/tsdb/block/block_querier.h"

namespace tsdbd::tsdb::block {
namespace {

uint64_t FileSize(const std::string& path) {
  std::error_code ec;
  const auto n = std::filesystem::file_size(path, ec);
  return ec ? 0 : n;
}

}  // namespace

Block::Block(std::string dir, BlockMeta meta, std::unique_ptr<IndexReader> index,
             std::unique_ptr<ChunkReader> chunks, std::shared_ptr<const Tombstones> tombstones)
    : dir_(std::move(dir)),
      ulid_(meta.ulid),
      min_time_(meta.min_time),
      max_time_(meta.max_time),
      index_(std::move(index)),
      chunks_(std::move(chunks)),
      meta_(std::move(meta)),
      tombstones_(std::move(tombstones)) {
  base_size_ = index_->size() + chunks_->size() + FileSize(dir_ + "/meta.json");
}

Result<std::shared_ptr<Block>> Block::Open(const std::string& dir) {
  auto meta = ReadMeta(dir);
  if (!meta.ok()) return Error("block " + dir + ": " + meta.error().message());
  auto index = IndexReader::Open(dir + "/index");
  if (!index.ok()) return Error("block " + dir + ": " + index.error().message());
  auto chunks = ChunkReader::Open(dir + "/chunks");
  if (!chunks.ok()) return Error("block " + dir + ": " + chunks.error().message());
  auto tombstones = ReadTombstones(dir);
  if (!tombstones.ok()) return Error("block " + dir + ": " + tombstones.error().message());
  return std::shared_ptr<Block>(
      new Block(dir, std::move(*meta), std::move(*index), std::move(*chunks),
                std::make_shared<const Tombstones>(std::move(*tombstones))));
}

BlockMeta Block::meta() const {
  std::lock_guard lock(mu_);
  return meta_;
}

std::shared_ptr<const Tombstones> Block::tombstones() const {
  std::lock_guard lock(mu_);
  return tombstones_;
}

Status Block::MarkCompactionFailed() {
  std::lock_guard lock(mu_);
  BlockMeta updated = meta_;
  updated.compaction.failed = true;
  if (Status s = WriteMeta(dir_, updated); !s.ok()) return s;
  meta_ = std::move(updated);
  return Status::Ok();
}

uint64_t Block::Size() const {
  return base_size_ + FileSize(dir_ + "/tombstones");
}

std::unique_ptr<storage::Querier> Block::NewQuerier(int64_t mint, int64_t maxt) const {
  return std::make_unique<BlockQuerier>(shared_from_this(), tombstones(), mint, maxt);
}

}  // namespace tsdbd::tsdb::block
