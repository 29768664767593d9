#include "lib/tsdb/db/block_files.h"

#include <memory>

#include "lib/tsdb/block/block_writer.h"
#include "lib/tsdb/fs/dir_tree.h"
#include "lib/tsdb/fs/durable.h"

namespace tsdbd::tsdb {

HeadSeriesSource::HeadSeriesSource(const Head& head, int64_t mint, int64_t maxt)
    : head_(head), mint_(mint), maxt_(maxt), series_(head.SeriesInRange(mint, maxt)) {}

std::vector<std::string_view> HeadSeriesSource::Symbols() const {
  block::SymbolSet symbols;
  for (const SeriesPtr& s : series_) symbols.Add(s->labels());
  return symbols.Sorted();
}

const block::ChunkSeries* HeadSeriesSource::Next() {
  while (next_ < series_.size()) {
    const MemSeries& s = *series_[next_++];
    std::vector<HeadChunkPtr> chunks;
    head_.SeriesChunks(s, mint_, maxt_, &chunks);
    if (chunks.empty()) continue;
    current_.labels = s.labels();
    current_.chunks.clear();
    for (const HeadChunkPtr& c : chunks) {
      current_.chunks.push_back({c->min_t(), c->max_t(), c->bytes()});
    }
    current_.owner = std::make_shared<const std::vector<HeadChunkPtr>>(std::move(chunks));
    return &current_;
  }
  return nullptr;
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
