// IndexReader: reads a block's `index` file (Prometheus TSDB index format v2) through a
// read-only memory mapping: series by reference, postings by label pair, label names and
// values, symbols.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lib/model/labels.h"
#include "lib/model/result.h"
#include "lib/tsdb/block/chunk_meta.h"
#include "lib/tsdb/index/postings_source.h"

namespace tsdbd::tsdb::block {

// Thread-safe: all const methods may be called concurrently. Postings handed out read the
// mapping, so they must not outlive the reader.
class IndexReader final : public index::PostingsSource {
 public:
  // Opens and validates the file: magic, version 2, TOC CRC, symbol table and postings
  // offset table CRCs. Series and postings lists are checked when read.
  static Result<std::unique_ptr<IndexReader>> Open(const std::string& path);

  ~IndexReader() override;
  IndexReader(const IndexReader&) = delete;
  IndexReader& operator=(const IndexReader&) = delete;

  // PostingsSource. Series references are those the file uses (offset/16 in v2). A list that
  // fails its CRC reads as empty (see the Status-returning Postings below to tell).
  index::PostingsPtr Get(std::string_view name, std::string_view value) const override;
  index::PostingsPtr GetAny(std::string_view name,
                            std::span<const std::string> values) const override;
  index::PostingsPtr GetMatching(std::string_view name,
                                 const std::function<bool(std::string_view)>& keep) const override;
  // Visits only the values starting with `prefix` (found by bisection, as values are sorted).
  index::PostingsPtr GetMatchingPrefix(
      std::string_view name, std::string_view prefix,
      const std::function<bool(std::string_view)>& keep) const override;
  // The ""="" list: every series.
  index::PostingsPtr All() const override;

  // Like Get, but says when the list is corrupt. An absent pair is an empty list, not an error.
  Result<index::PostingsPtr> Postings(std::string_view name, std::string_view value) const;

  // The labels and chunks of series `ref` (both replaced). An Error for a reference that is
  // not a series or a series entry that fails its CRC or decoding.
  Status Series(uint64_t ref, Labels* labels, std::vector<ChunkMeta>* chunks) const;

  // Label names present, sorted.
  std::vector<std::string> LabelNames() const;
  // The values of `name`, sorted; empty when the name is absent.
  std::vector<std::string> LabelValues(std::string_view name) const;
  // The symbol table, sorted (for merging the symbols of several blocks when compacting).
  // The views point into the mapping and live as long as the reader.
  std::vector<std::string_view> Symbols() const;
  // Number of symbols.
  size_t SymbolCount() const;

  // File bytes.
  uint64_t size() const;
  // Format version (2).
  int version() const;

 private:
  class Impl;
  explicit IndexReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tsdbd::tsdb::block
