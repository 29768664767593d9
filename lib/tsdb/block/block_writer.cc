#include "lib/tsdb/block/block_writer.h"

#include <algorithm>
#include <filesystem>
#include <string_view>
#include <vector>

#include "lib/tsdb/block/chunk_writer.h"
#include "lib/tsdb/block/index_writer.h"
#include "lib/tsdb/block/tombstones.h"
#include "lib/tsdb/fs/dir_tree.h"
#include "lib/tsdb/fs/durable.h"
#include "lib/tsdb/fs/file.h"

namespace tsdbd::tsdb::block {
namespace {

constexpr uint8_t kEncodingXor = 1;

// Every label name and value of the series, sorted and distinct.
std::vector<std::string_view> CollectSymbols(std::span<const ChunkSeries> series) {
  std::vector<std::string_view> symbols;
  for (const ChunkSeries& s : series) {
    for (Label l : s.labels) {
      symbols.push_back(l.name);
      symbols.push_back(l.value);
    }
  }
  std::sort(symbols.begin(), symbols.end());
  symbols.erase(std::unique(symbols.begin(), symbols.end()), symbols.end());
  if (!symbols.empty() && symbols.front().empty()) symbols.erase(symbols.begin());
  return symbols;
}

Status CheckSeries(std::span<const ChunkSeries> series, const BlockMeta& meta) {
  for (size_t i = 0; i < series.size(); ++i) {
    if (i > 0 && !(series[i - 1].labels < series[i].labels)) {
      return Error("writing block: series not sorted: " + series[i].labels.ToString());
    }
    for (const ChunkSpan& c : series[i].chunks) {
      if (c.min_time < meta.min_time || c.max_time >= meta.max_time) {
        return Error("writing block: a chunk of " + series[i].labels.ToString() +
                     " lies outside the block's range");
      }
    }
  }
  return Status::Ok();
}

// Writes chunks/, index, tombstones and meta.json into `dir`; fills meta->stats.
Status WriteFiles(const std::string& dir, std::span<const ChunkSeries> series, BlockMeta* meta) {
  auto chunks = ChunkWriter::Create(dir + "/chunks");
  if (!chunks.ok()) return chunks.error();
  auto index = IndexWriter::Create(dir + "/index");
  if (!index.ok()) return index.error();
  for (std::string_view sym : CollectSymbols(series)) {
    if (Status s = (*index)->AddSymbol(sym); !s.ok()) return s;
  }
  BlockStats stats;
  std::vector<ChunkWriter::ChunkData> batch;
  std::vector<uint64_t> refs;
  std::vector<ChunkMeta> metas;
  for (const ChunkSeries& s : series) {
    if (s.chunks.empty()) continue;
    // A series' chunks go in one batch, as Prometheus writes them: same segment cuts.
    batch.clear();
    for (const ChunkSpan& c : s.chunks) batch.push_back({kEncodingXor, c.bytes});
    refs.resize(batch.size());
    if (Status st = (*chunks)->WriteBatch(batch, refs.data()); !st.ok()) return st;
    metas.clear();
    for (size_t i = 0; i < s.chunks.size(); ++i) {
      metas.push_back({refs[i], s.chunks[i].min_time, s.chunks[i].max_time});
      stats.num_samples += ChunkSamples(s.chunks[i].bytes);
    }
    if (Status st = (*index)->AddSeries(s.labels, metas); !st.ok()) return st;
    ++stats.num_series;
    stats.num_chunks += metas.size();
  }
  if (Status s = (*chunks)->Close(); !s.ok()) return s;
  if (Status s = (*index)->Close(); !s.ok()) return s;
  if (Status s = WriteTombstones(dir, Tombstones()); !s.ok()) return s;
  meta->stats = stats;
  meta->version = 1;
  if (Status s = WriteMeta(dir, *meta); !s.ok()) return s;
  return fs::SyncDir(dir);
}

}  // namespace

Result<BlockMeta> WriteBlock(const std::string& parent_dir, std::span<const ChunkSeries> series,
                             BlockMeta meta) {
  if (Status s = CheckSeries(series, meta); !s.ok()) return Error(s.message());
  const std::string final_dir = parent_dir + "/" + meta.ulid;
  const std::string tmp_dir = final_dir + std::string(kTmpForCreation);
  if (Status s = fs::RemoveAll(tmp_dir); !s.ok()) return Error(s.message());
  std::error_code ec;
  std::filesystem::create_directories(tmp_dir, ec);
  if (ec) return Error("writing block: creating " + tmp_dir + ": " + ec.message());
  Status s = WriteFiles(tmp_dir, series, &meta);
  if (s.ok()) s = fs::RenameDirDurably(tmp_dir, final_dir);
  if (!s.ok()) {
    (void)fs::RemoveAll(tmp_dir);
    return Error("writing block " + meta.ulid + ": " + s.message());
  }
  return meta;
}

}  // namespace tsdbd::tsdb::block
