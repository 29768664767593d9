// IndexWriter: writes a block's `index` file in Prometheus's TSDB index format v2
// (tsdb/docs/format/index.md): symbols, series, label indices, postings, the two offset
// tables and the TOC, as Prometheus 2.42 lays them out.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "lib/model/labels.h"
#include "lib/model/result.h"
#include "lib/tsdb/block/chunk_meta.h"

namespace tsdbd::tsdb::block {

// Calls must come in order: every AddSymbol, then every AddSeries, then Close. A call out of
// order or with bad input returns an Error and leaves the writer unusable (every later call
// fails). Buffers postings in memory (about 12 bytes per label of each series). Not
// thread-safe. Destroying an unclosed writer closes the file without finishing it.
class IndexWriter {
 public:
  // Creates (truncating) the index file at `path`.
  static Result<std::unique_ptr<IndexWriter>> Create(const std::string& path);

  ~IndexWriter();
  IndexWriter(const IndexWriter&) = delete;
  IndexWriter& operator=(const IndexWriter&) = delete;

  // Every label name and value used by the series, in strictly increasing byte order, before
  // any series. The empty string is always the first symbol, as Prometheus writes it; adding
  // it is allowed and changes nothing.
  Status AddSymbol(std::string_view symbol);
  // The series in strictly increasing label order (Compare on Labels), each with its chunks
  // sorted by min_time. Labels must use only added symbols.
  Status AddSeries(const Labels& labels, std::span<const ChunkMeta> chunks);
  // Writes label indices, postings, the offset tables and the TOC, fsyncs and closes the file.
  Status Close();

  // Bytes written so far.
  uint64_t size() const;

 private:
  class Impl;
  explicit IndexWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tsdbd::tsdb::block
