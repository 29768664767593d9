#include "lib/tsdb/block/block_writer.h"

#include <algorithm>
#include <filesystem>
#include <optional>
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

// Series held in memory, handed out in their order.
class SpanSource final : public SeriesSource {
 public:
  explicit SpanSource(std::span<const ChunkSeries> series) : series_(series) {}
  std::vector<std::string_view> Symbols() const override {
    SymbolSet symbols;
    for (const ChunkSeries& s : series_) symbols.Add(s.labels);
    return symbols.Sorted();
  }
  const ChunkSeries* Next() override {
    return next_ < series_.size() ? &series_[next_++] : nullptr;
  }

 private:
  std::span<const ChunkSeries> series_;
  size_t next_ = 0;
};

// That `s` comes after `previous` (none for the first series) and its chunks lie in the
// block's range.
Status CheckSeries(const ChunkSeries& s, const std::optional<Labels>& previous,
                   const BlockMeta& meta) {
  if (previous && !(*previous < s.labels)) {
    return Error("writing block: series not sorted: " + s.labels.ToString());
  }
  for (const ChunkSpan& c : s.chunks) {
    if (c.min_time < meta.min_time || c.max_time >= meta.max_time) {
      return Error("writing block: a chunk of " + s.labels.ToString() +
                   " lies outside the block's range");
    }
  }
  return Status::Ok();
}

// Writes chunks/, index, tombstones and meta.json into `dir`; fills meta->stats.
Status WriteFiles(const std::string& dir, SeriesSource& series, BlockMeta* meta) {
  auto chunks = ChunkWriter::Create(dir + "/chunks");
  if (!chunks.ok()) return chunks.error();
  auto index = IndexWriter::Create(dir + "/index");
  if (!index.ok()) return index.error();
  for (std::string_view sym : series.Symbols()) {
    if (Status s = (*index)->AddSymbol(sym); !s.ok()) return s;
  }
  BlockStats stats;
  std::vector<ChunkWriter::ChunkData> batch;
  std::vector<uint64_t> refs;
  std::vector<ChunkMeta> metas;
  std::optional<Labels> previous;
  for (const ChunkSeries* next = series.Next(); next; next = series.Next()) {
    const ChunkSeries& s = *next;
    if (Status st = CheckSeries(s, previous, *meta); !st.ok()) return st;
    previous = s.labels;
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
  if (Status s = series.Err(); !s.ok()) return s;
  if (Status s = (*chunks)->Close(); !s.ok()) return s;
  if (Status s = (*index)->Close(); !s.ok()) return s;
  if (Status s = WriteTombstones(dir, Tombstones()); !s.ok()) return s;
  meta->stats = stats;
  meta->version = 1;
  if (Status s = WriteMeta(dir, *meta); !s.ok()) return s;
  return fs::SyncDir(dir);
}

}  // namespace

void SymbolSet::Add(const Labels& labels) {
  for (Label l : labels) {
    distinct_.insert(l.name);
    distinct_.insert(l.value);
  }
}

std::vector<std::string_view> SymbolSet::Sorted() const {
  std::vector<std::string_view> symbols;
  symbols.reserve(distinct_.size());
  for (std::string_view s : distinct_) {
    if (!s.empty()) symbols.push_back(s);
  }
  std::sort(symbols.begin(), symbols.end());
  return symbols;
}

Result<BlockMeta> WriteBlock(const std::string& parent_dir, SeriesSource& series, BlockMeta meta) {
  const std::string final_dir = parent_dir + "/" + meta.ulid;
  const std::string tmp_dir = final_dir + std::string(kTmpForCreation);
  if (Status s = fs::RemoveAll(tmp_dir); !s.ok()) return Error(s.message());
  std::error_code ec;
  std::filesystem::create_directories(tmp_dir, ec);
  if (ec) return Error("writing block: creating " + tmp_dir + ": " + ec.message());
  Status s = WriteFiles(tmp_dir, series, &meta);
  if (s.ok() && meta.stats.num_series == 0)
    s = fs::RemoveAll(tmp_dir);
  else if (s.ok())
    s = fs::RenameDirDurably(tmp_dir, final_dir);
  if (!s.ok()) {
    (void)fs::RemoveAll(tmp_dir);
    return Error("writing block " + meta.ulid + ": " + s.message());
  }
  return meta;
}

Result<BlockMeta> WriteBlock(const std::string& parent_dir, std::span<const ChunkSeries> series,
                             BlockMeta meta) {
  SpanSource source(series);
  return WriteBlock(parent_dir, source, std::move(meta));
}

}  // namespace tsdbd::tsdb::block
