#include "lib/tsdb/db/block_files.h"

#include <memory>

#include "lib/tsdb/block/block_writer.h"
#include "lib/tsdb/fs/dir_tree.h"
#include "lib/tsdb/fs/durable.h"

namespace tsdbd::tsdb {

std::vector<block::ChunkSeries> HeadChunkSeries(Head& head, int64_t mint, int64_t maxt) {
  std::vector<HeadSeriesChunks> in = head.SeriesChunks(mint, maxt);
  std::vector<block::ChunkSeries> out;
  out.reserve(in.size());
  for (HeadSeriesChunks& s : in) {
    auto owner = std::make_shared<std::vector<HeadChunkPtr>>(std::move(s.chunks));
    block::ChunkSeries cs{std::move(s.labels), {}, owner};
    cs.chunks.reserve(owner->size());
    for (const HeadChunkPtr& c : *owner) cs.chunks.push_back({c->min_t(), c->max_t(), c->bytes()});
    out.push_back(std::move(cs));
  }
  return out;
}

Status DeleteBlockDir(const std::string& dir) {
  const std::string tmp = dir + std::string(block::kTmpForDeletion);
  if (Status s = fs::RenameDirDurably(dir, tmp); !s.ok()) return s;
  return fs::RemoveAll(tmp);
}

Status DropBlock(const block::Block& b) {
  block::BlockMeta m = b.meta();
  m.compaction.deletable = true;
  if (Status s = block::WriteMeta(b.dir(), m); !s.ok()) return s;
  return DeleteBlockDir(b.dir());
}

}  // namespace tsdbd::tsdb
