#include "lib/tsdb/block/index_writer.h"

#include <fcntl.h>

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "lib/model/symbol_table.h"
#include "lib/tsdb/block/index_format.h"
#include "lib/tsdb/chunkenc/big_endian.h"
#include "lib/tsdb/chunkenc/varint.h"
#include "lib/tsdb/crc32c.h"
#include "lib/tsdb/fs/file.h"

namespace tsdbd::tsdb::block {

namespace {

constexpr size_t kFlushThreshold = 1 << 20;

void AppendBE32(std::string& out, uint32_t v) {
  const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                     static_cast<char>(v >> 8), static_cast<char>(v)};
  out.append(b, 4);
}

void AppendBE64(std::string& out, uint64_t v) {
  uint8_t b[8];
  chunkenc::StoreBigEndian64(b, v);
  out.append(reinterpret_cast<const char*>(b), 8);
}

void AppendUvarint(std::string& out, uint64_t v) {
  uint8_t b[chunkenc::kMaxVarintLen64];
  out.append(reinterpret_cast<const char*>(b), chunkenc::PutUvarint(b, v));
}

void AppendVarint(std::string& out, int64_t v) {
  uint8_t b[chunkenc::kMaxVarintLen64];
  out.append(reinterpret_cast<const char*>(b), chunkenc::PutVarint(b, v));
}

void AppendString(std::string& out, std::string_view s) {
  AppendUvarint(out, s.size());
  out.append(s);
}

// One label of one series, for building postings: symbol indices are in string order, so
// sorting these numerically sorts by name, value, then series.
struct PostingEntry {
  uint32_t name;
  uint32_t value;
  uint32_t series;
  friend bool operator<(const PostingEntry& a, const PostingEntry& b) {
    if (a.name != b.name) return a.name < b.name;
    if (a.value != b.value) return a.value < b.value;
    return a.series < b.series;
  }
};

}  // namespace

class IndexWriter::Impl {
 public:
  explicit Impl(fs::File file) : file_(std::move(file)) {}

  Status Start() {
    std::string h;
    AppendBE32(h, kIndexMagic);
    h.push_back(static_cast<char>(kIndexVersion2));
    Write(h);
    // The symbol table's length and count are patched in when it is finished.
    toc_.symbols = pos();
    Write(std::string(8, '\0'));
    return AddSymbol("");
  }

  Status AddSymbol(std::string_view symbol) {
    if (stage_ != Stage::kSymbols) return Fail("index writer: symbol added after series");
    // "" is always symbol 0, as Prometheus writes it (its head lists the ""="" postings
    // key among the symbols); adding it explicitly changes nothing.
    if (symbol.empty() && symbol_ids_.size() == 1) return Status::Ok();
    if (!symbol_ids_.empty()) {
      std::string_view last = SymbolTable::Global().Get(symbol_ids_.back());
      if (!(last < symbol)) {
        return Fail("index writer: symbol \"" + std::string(symbol) + "\" not after \"" +
                    std::string(last) + "\"");
      }
    }
    symbol_ids_.push_back(SymbolTable::Global().Intern(symbol));
    scratch_.clear();
    AppendString(scratch_, symbol);
    Write(scratch_);
    return Flush();
  }

  Status AddSeries(const Labels& labels, std::span<const ChunkMeta> chunks) {
    if (stage_ == Stage::kSymbols) {
      if (Status s = FinishSymbols(); !s.ok()) return s;
    }
    if (stage_ != Stage::kSeries) return Fail("index writer: series added in the wrong stage");
    if (!all_series_.empty() && !(Compare(last_series_, labels) < 0)) {
      return Fail("index writer: series " + labels.ToString() + " not after " +
                  last_series_.ToString());
    }
    if (labels.empty()) return Fail("index writer: series without labels");

    Pad(kSeriesAlignment);
    const uint64_t ref = pos() / kSeriesAlignment;
    if (ref > UINT32_MAX) return Fail("index writer: series section exceeds 64 GiB");

    scratch_.clear();
    AppendUvarint(scratch_, labels.size());
    for (const LabelPair& p : labels.pairs()) {
      const uint32_t* name = SymbolIndex(p.name);
      const uint32_t* value = SymbolIndex(p.value);
      if (name == nullptr || value == nullptr) {
        return Fail("index writer: series " + labels.ToString() + " uses a symbol not added");
      }
      AppendUvarint(scratch_, *name);
      AppendUvarint(scratch_, *value);
      postings_.push_back({*name, *value, static_cast<uint32_t>(ref)});
    }
    AppendUvarint(scratch_, chunks.size());
    for (size_t i = 0; i < chunks.size(); ++i) {
      const ChunkMeta& c = chunks[i];
      if (i == 0) {
        AppendVarint(scratch_, c.min_time);
        AppendUvarint(scratch_,
                      static_cast<uint64_t>(c.max_time) - static_cast<uint64_t>(c.min_time));
        AppendUvarint(scratch_, c.ref);
      } else {
        const ChunkMeta& prev = chunks[i - 1];
        if (c.min_time < prev.min_time) {
          return Fail("index writer: chunks of " + labels.ToString() + " not sorted by time");
        }
        AppendUvarint(scratch_,
                      static_cast<uint64_t>(c.min_time) - static_cast<uint64_t>(prev.max_time));
        AppendUvarint(scratch_,
                      static_cast<uint64_t>(c.max_time) - static_cast<uint64_t>(c.min_time));
        AppendVarint(scratch_, static_cast<int64_t>(c.ref - prev.ref));
      }
    }
    std::string entry;
    entry.reserve(scratch_.size() + 14);
    AppendUvarint(entry, scratch_.size());
    entry.append(scratch_);
    AppendBE32(entry, Crc32c(scratch_));
    Write(entry);

    all_series_.push_back(static_cast<uint32_t>(ref));
    last_series_ = labels;
    return Flush();
  }

  Status Close() {
    if (stage_ == Stage::kSymbols) {
      if (Status s = FinishSymbols(); !s.ok()) return s;
    }
    if (stage_ != Stage::kSeries) return Fail("index writer: closed twice or after an error");
    stage_ = Stage::kDone;
    symbol_index_.clear();
    symbol_index_.shrink_to_fit();
    last_series_ = Labels();

    std::sort(postings_.begin(), postings_.end());
    if (Status s = WriteLabelIndices(); !s.ok()) return s;
    if (Status s = WritePostings(); !s.ok()) return s;
    if (Status s = WriteLabelIndicesTable(); !s.ok()) return s;
    if (Status s = WritePostingsTable(); !s.ok()) return s;

    std::string toc;
    for (uint64_t v : {toc_.symbols, toc_.series, toc_.label_indices, toc_.label_indices_table,
                       toc_.postings, toc_.postings_table}) {
      AppendBE64(toc, v);
    }
    AppendBE32(toc, Crc32c(toc));
    Write(toc);
    if (Status s = FlushAll(); !s.ok()) return s;
    if (Status s = file_.Sync(); !s.ok()) return s;
    return file_.Close();
  }

  uint64_t pos() const { return flushed_ + buf_.size(); }

 private:
  enum class Stage { kSymbols, kSeries, kDone, kFailed };

  Status Fail(std::string message) {
    stage_ = Stage::kFailed;
    return Error(std::move(message));
  }

  void Write(std::string_view data) { buf_.append(data); }

  void Pad(uint64_t alignment) {
    const uint64_t rem = pos() % alignment;
    if (rem != 0) buf_.append(alignment - rem, '\0');
  }

  Status Flush() {
    if (buf_.size() < kFlushThreshold) return Status::Ok();
    return FlushAll();
  }

  Status FlushAll() {
    if (buf_.empty()) return Status::Ok();
    if (Status s = file_.WriteAt(buf_, static_cast<int64_t>(flushed_)); !s.ok()) {
      stage_ = Stage::kFailed;
      return s;
    }
    flushed_ += buf_.size();
    buf_.clear();
    return Status::Ok();
  }

  // Writes `data` at `offset`, which may already be on disk or still in the buffer.
  Status Patch(uint64_t offset, std::string_view data) {
    if (offset >= flushed_) {
      std::memcpy(buf_.data() + (offset - flushed_), data.data(), data.size());
      return Status::Ok();
    }
    if (offset + data.size() > flushed_) {
      // Straddles the flushed part and the buffer: write everything out first.
      if (Status s = FlushAll(); !s.ok()) return s;
    }
    return file_.WriteAt(data, static_cast<int64_t>(offset));
  }

  Status FinishSymbols() {
    const uint64_t len = pos() - toc_.symbols - 4;
    if (len > UINT32_MAX || symbol_ids_.size() > UINT32_MAX) {
      return Fail("index writer: symbol table exceeds 4 GiB");
    }
    std::string head;
    AppendBE32(head, static_cast<uint32_t>(len));
    AppendBE32(head, static_cast<uint32_t>(symbol_ids_.size()));
    // The CRC covers the count and then the symbols; the count is known only now, so the
    // CRC is computed over the written bytes (read back from the page cache if flushed).
    if (Status s = Patch(toc_.symbols, head); !s.ok()) return s;
    Result<uint32_t> full = CrcOfRange(toc_.symbols + 4, len);
    if (!full.ok()) return Fail(full.error().message());
    std::string tail;
    AppendBE32(tail, *full);
    Write(tail);

    symbol_index_.reserve(symbol_ids_.size());
    for (size_t i = 0; i < symbol_ids_.size(); ++i) {
      symbol_index_.emplace_back(symbol_ids_[i], static_cast<uint32_t>(i));
    }
    std::sort(symbol_index_.begin(), symbol_index_.end());
    toc_.series = pos();
    stage_ = Stage::kSeries;
    return Flush();
  }

  // CRC-32C of bytes [offset, offset+n) written so far (reading back what was flushed).
  Result<uint32_t> CrcOfRange(uint64_t offset, uint64_t n) {
    uint32_t crc = 0;
    uint64_t end = offset + n;
    std::vector<char> tmp;
    while (offset < end && offset < flushed_) {
      const uint64_t want = std::min<uint64_t>(end, flushed_) - offset;
      tmp.resize(std::min<uint64_t>(want, kFlushThreshold));
      Result<size_t> got = file_.ReadAt(tmp.data(), tmp.size(), static_cast<int64_t>(offset));
      if (!got.ok()) return got.error();
      if (*got == 0) return Error("index writer: short read of " + file_.path());
      crc = Crc32cExtend(crc, tmp.data(), *got);
      offset += *got;
    }
    if (offset < end) crc = Crc32cExtend(crc, buf_.data() + (offset - flushed_), end - offset);
    return crc;
  }

  const uint32_t* SymbolIndex(SymbolId id) const {
    auto it = std::lower_bound(symbol_index_.begin(), symbol_index_.end(),
                               std::pair<SymbolId, uint32_t>(id, 0));
    if (it == symbol_index_.end() || it->first != id) return nullptr;
    return &it->second;
  }

  std::string_view SymbolString(uint32_t index) const {
    return SymbolTable::Global().Get(symbol_ids_[index]);
  }

  // One label index per label name, values as symbol references.
  Status WriteLabelIndices() {
    toc_.label_indices = pos();
    size_t i = 0;
    while (i < postings_.size()) {
      const uint32_t name = postings_[i].name;
      std::vector<uint32_t> values;
      for (; i < postings_.size() && postings_[i].name == name; ++i) {
        if (values.empty() || values.back() != postings_[i].value) {
          values.push_back(postings_[i].value);
        }
      }
      Pad(kSectionAlignment);
      label_index_offsets_.emplace_back(name, pos());
      scratch_.clear();
      AppendBE32(scratch_, 1);
      AppendBE32(scratch_, static_cast<uint32_t>(values.size()));
      for (uint32_t v : values) AppendBE32(scratch_, v);
      if (Status s = WriteSection(scratch_); !s.ok()) return s;
    }
    return Status::Ok();
  }

  // len <4b>, body, CRC32 of body.
  Status WriteSection(std::string_view body) {
    if (body.size() > UINT32_MAX) return Fail("index writer: section exceeds 4 GiB");
    std::string head;
    AppendBE32(head, static_cast<uint32_t>(body.size()));
    Write(head);
    Write(body);
    std::string crc;
    AppendBE32(crc, Crc32c(body));
    Write(crc);
    return Flush();
  }

  Status WritePostingsList(std::span<const uint32_t> refs) {
    Pad(kSectionAlignment);
    const uint64_t offset = pos();
    scratch_.clear();
    scratch_.reserve(4 + 4 * refs.size());
    AppendBE32(scratch_, static_cast<uint32_t>(refs.size()));
    for (uint32_t r : refs) AppendBE32(scratch_, r);
    postings_offsets_.push_back(offset);
    return WriteSection(scratch_);
  }

  Status WritePostings() {
    toc_.postings = pos();
    if (Status s = WritePostingsList(all_series_); !s.ok()) return s;
    all_series_.clear();
    all_series_.shrink_to_fit();
    std::vector<uint32_t> refs;
    size_t i = 0;
    while (i < postings_.size()) {
      const PostingEntry first = postings_[i];
      refs.clear();
      for (; i < postings_.size() && postings_[i].name == first.name &&
             postings_[i].value == first.value;
           ++i) {
        refs.push_back(postings_[i].series);
      }
      pairs_.emplace_back(first.name, first.value);
      if (Status s = WritePostingsList(refs); !s.ok()) return s;
    }
    postings_.clear();
    postings_.shrink_to_fit();
    return Status::Ok();
  }

  // Writes a table section: len <4b>, #entries <4b>, entries, CRC over all but len.
  Status WriteTable(uint32_t count, std::string_view entries) {
    std::string body;
    body.reserve(4 + entries.size());
    AppendBE32(body, count);
    body.append(entries);
    return WriteSection(body);
  }

  Status WriteLabelIndicesTable() {
    toc_.label_indices_table = pos();
    std::string entries;
    for (const auto& [name, offset] : label_index_offsets_) {
      entries.push_back(1);
      AppendString(entries, SymbolString(name));
      AppendUvarint(entries, offset);
    }
    return WriteTable(static_cast<uint32_t>(label_index_offsets_.size()), entries);
  }

  Status WritePostingsTable() {
    toc_.postings_table = pos();
    std::string entries;
    entries.push_back(2);
    AppendString(entries, "");
    AppendString(entries, "");
    AppendUvarint(entries, postings_offsets_[0]);
    for (size_t i = 0; i < pairs_.size(); ++i) {
      entries.push_back(2);
      AppendString(entries, SymbolString(pairs_[i].first));
      AppendString(entries, SymbolString(pairs_[i].second));
      AppendUvarint(entries, postings_offsets_[i + 1]);
    }
    return WriteTable(static_cast<uint32_t>(pairs_.size() + 1), entries);
  }

  fs::File file_;
  std::string buf_;       // bytes after flushed_, not yet written
  uint64_t flushed_ = 0;  // bytes written to the file
  std::string scratch_;
  Stage stage_ = Stage::kSymbols;
  IndexToc toc_;

  std::vector<SymbolId> symbol_ids_;                         // by symbol index
  std::vector<std::pair<SymbolId, uint32_t>> symbol_index_;  // sorted by SymbolId
  Labels last_series_;
  std::vector<uint32_t> all_series_;    // every series reference, increasing
  std::vector<PostingEntry> postings_;  // one per label of each series
  std::vector<std::pair<uint32_t, uint64_t>> label_index_offsets_;  // name, offset
  std::vector<std::pair<uint32_t, uint32_t>> pairs_;  // name, value of each postings list
  std::vector<uint64_t> postings_offsets_;            // [0]: all series, then pairs_
};

Result<std::unique_ptr<IndexWriter>> IndexWriter::Create(const std::string& path) {
  Result<fs::File> f = fs::File::Open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (!f.ok()) return f.error();
  auto impl = std::make_unique<Impl>(std::move(*f));
  if (Status s = impl->Start(); !s.ok()) return Error(s.message());
  return std::unique_ptr<IndexWriter>(new IndexWriter(std::move(impl)));
}

IndexWriter::IndexWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
IndexWriter::~IndexWriter() = default;

Status IndexWriter::AddSymbol(std::string_view symbol) {
  return impl_->AddSymbol(symbol);
}
Status IndexWriter::AddSeries(const Labels& labels, std::span<const ChunkMeta> chunks) {
  return impl_->AddSeries(labels, chunks);
}
Status IndexWriter::Close() {
  return impl_->Close();
}
uint64_t IndexWriter::size() const {
  return impl_->pos();
}

}  // namespace tsdbd::tsdb::block
