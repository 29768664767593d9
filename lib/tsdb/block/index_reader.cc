#include "lib/tsdb/block/index_reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

#include "lib/model/symbol_table.h"
#include "lib/tsdb/block/index_format.h"
#include "lib/tsdb/block/index_postings.h"
#include "lib/tsdb/chunkenc/big_endian.h"
#include "lib/tsdb/chunkenc/varint.h"
#include "lib/tsdb/crc32c.h"

namespace tsdbd::tsdb::block {

namespace {

uint32_t LoadBE32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

// Bounded reading of one region of the file; any read past the end sets failed().
class Decoder {
 public:
  Decoder(const uint8_t* begin, const uint8_t* end) : p_(begin), end_(end) {}

  bool failed() const { return failed_; }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  const uint8_t* position() const { return p_; }

  uint8_t Byte() {
    if (!Need(1)) return 0;
    return *p_++;
  }
  uint32_t BE32() {
    if (!Need(4)) return 0;
    uint32_t v = LoadBE32(p_);
    p_ += 4;
    return v;
  }
  uint64_t Uvarint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (!Need(1)) return 0;
      const uint8_t b = *p_++;
      if (shift == 63 && b > 1) break;
      v |= uint64_t{b & 0x7fu} << shift;
      if (b < 0x80) return v;
    }
    failed_ = true;  // overflows 64 bits
    return 0;
  }
  int64_t Varint() { return chunkenc::UnZigZag(Uvarint()); }
  std::string_view Bytes(uint64_t n) {
    if (!Need(n)) return {};
    std::string_view s(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return s;
  }
  std::string_view UvarintString() { return Bytes(Uvarint()); }

 private:
  bool Need(uint64_t n) {
    if (failed_ || remaining() < n) {
      failed_ = true;
      p_ = end_;
      return false;
    }
    return true;
  }

  const uint8_t* p_;
  const uint8_t* end_;
  bool failed_ = false;
};

// A read-only mapping of a whole file, unmapped on destruction.
class Mapping {
 public:
  Mapping() = default;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() {
    if (data_ != nullptr) munmap(data_, size_);
  }

  Status Open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Error("open index " + path + ": " + std::strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
      const int e = errno;
      ::close(fd);
      return Error("stat index " + path + ": " + std::strerror(e));
    }
    size_ = static_cast<size_t>(st.st_size);
    if (size_ > 0) {
      void* p = mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd, 0);
      if (p == MAP_FAILED) {
        const int e = errno;
        ::close(fd);
        return Error("mmap index " + path + ": " + std::strerror(e));
      }
      data_ = static_cast<uint8_t*>(p);
    }
    ::close(fd);
    return Status::Ok();
  }

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// Every this many postings offset table entries of a name, one is kept in memory.
constexpr uint32_t kPostingsSampleEvery = 32;

}  // namespace

class IndexReader::Impl {
 public:
  Status Open(const std::string& path) {
    path_ = path;
    if (Status s = map_.Open(path); !s.ok()) return s;
    data_ = map_.data();
    size_ = map_.size();
    if (size_ < kIndexHeaderSize + kIndexTocSize) return Corrupt("file too short for an index");
    if (LoadBE32(data_) != kIndexMagic) return Corrupt("bad magic number");
    version_ = data_[4];
    if (version_ != kIndexVersion2) {
      return Error("index " + path_ + ": unsupported format version " + std::to_string(version_) +
                   " (only version 2 is read)");
    }
    if (Status s = ReadToc(); !s.ok()) return s;
    if (Status s = ReadSymbols(); !s.ok()) return s;
    return ReadPostingsTable();
  }

  uint64_t size() const { return size_; }
  int version() const { return version_; }

  Result<index::PostingsPtr> Postings(std::string_view name, std::string_view value) const {
    const NameEntry* n = FindName(name);
    if (n == nullptr) return index::EmptyPostings();
    const std::optional<uint64_t> offset = FindValue(*n, value);
    if (!offset) return index::EmptyPostings();
    return PostingsAt(*offset);
  }

  index::PostingsPtr Get(std::string_view name, std::string_view value) const {
    Result<index::PostingsPtr> p = Postings(name, value);
    if (!p.ok()) return index::EmptyPostings();
    return std::move(*p);
  }

  // Values are sorted, so those starting with `prefix` are one run from the first >= it.
  index::PostingsPtr GetMatchingPrefix(std::string_view name, std::string_view prefix,
                                       const std::function<bool(std::string_view)>& keep) const {
    const NameEntry* n = FindName(name);
    if (n == nullptr) return index::EmptyPostings();
    std::vector<index::PostingsPtr> its;
    ForEachValue(*n, StartFor(*n, prefix), [&](std::string_view value, uint64_t offset) {
      if (value < prefix) return true;
      if (!value.starts_with(prefix)) return false;
      if (keep(value)) {
        Result<index::PostingsPtr> p = PostingsAt(offset);
        if (p.ok()) its.push_back(std::move(*p));
      }
      return true;
    });
    return Combine(std::move(its));
  }

  index::PostingsPtr GetAny(std::string_view name, std::span<const std::string> values) const {
    const NameEntry* n = FindName(name);
    if (n == nullptr) return index::EmptyPostings();
    std::vector<index::PostingsPtr> its;
    for (const std::string& v : values) {
      const std::optional<uint64_t> offset = FindValue(*n, v);
      if (!offset) continue;
      Result<index::PostingsPtr> p = PostingsAt(*offset);
      if (p.ok()) its.push_back(std::move(*p));
    }
    return Combine(std::move(its));
  }

  Status Series(uint64_t ref, Labels* labels, std::vector<ChunkMeta>* chunks) const {
    if (ref > (UINT64_MAX / kSeriesAlignment)) return BadRef(ref);
    const uint64_t pos = ref * kSeriesAlignment;
    if (toc_.series == 0 || pos < toc_.series || pos >= series_end_) return BadRef(ref);
    Decoder d(data_ + pos, data_ + series_end_);
    const uint64_t len = d.Uvarint();
    const uint8_t* body = d.position();
    d.Bytes(len);
    const uint32_t want_crc = d.BE32();
    if (d.failed()) return Corrupt("series " + std::to_string(ref) + " runs past its section");
    if (Crc32c(body, len) != want_crc) {
      return Corrupt("series " + std::to_string(ref) + ": checksum mismatch");
    }

    Decoder b(body, body + len);
    const uint64_t nlabels = b.Uvarint();
    if (nlabels > len) return Corrupt("series " + std::to_string(ref) + ": bad label count");
    LabelPair small[16];
    std::vector<LabelPair> large;
    LabelPair* pairs = small;
    if (nlabels > std::size(small)) {
      large.resize(nlabels);
      pairs = large.data();
    }
    uint64_t prev_name = 0;
    for (uint64_t i = 0; i < nlabels; ++i) {
      const uint64_t name = b.Uvarint();
      const uint64_t value = b.Uvarint();
      if (b.failed() || name >= symbol_count_ || value >= symbol_count_ ||
          (i > 0 && name <= prev_name)) {
        return Corrupt("series " + std::to_string(ref) + ": bad label symbols");
      }
      prev_name = name;
      pairs[i] =
          LabelPair{Intern(static_cast<uint32_t>(name)), Intern(static_cast<uint32_t>(value))};
    }
    const uint64_t nchunks = b.Uvarint();
    if (b.failed() || nchunks > len) {
      return Corrupt("series " + std::to_string(ref) + ": bad chunk count");
    }
    chunks->clear();
    chunks->reserve(nchunks);
    ChunkMeta prev;
    for (uint64_t i = 0; i < nchunks; ++i) {
      ChunkMeta c;
      if (i == 0) {
        c.min_time = b.Varint();
        c.max_time = static_cast<int64_t>(static_cast<uint64_t>(c.min_time) + b.Uvarint());
        c.ref = b.Uvarint();
      } else {
        c.min_time = static_cast<int64_t>(static_cast<uint64_t>(prev.max_time) + b.Uvarint());
        c.max_time = static_cast<int64_t>(static_cast<uint64_t>(c.min_time) + b.Uvarint());
        c.ref = prev.ref + static_cast<uint64_t>(b.Varint());
      }
      chunks->push_back(c);
      prev = c;
    }
    if (b.failed()) return Corrupt("series " + std::to_string(ref) + ": truncated chunk list");
    *labels = Labels::FromSortedPairs(std::span<const LabelPair>(pairs, nlabels));
    return Status::Ok();
  }

  std::vector<std::string> LabelNames() const {
    std::vector<std::string> out;
    out.reserve(names_.size());
    for (const NameEntry& n : names_) {
      if (!n.name.empty()) out.emplace_back(n.name);
    }
    return out;
  }

  std::vector<std::string> LabelValues(std::string_view name) const {
    std::vector<std::string> out;
    if (name.empty()) return out;
    const NameEntry* n = FindName(name);
    if (n == nullptr) return out;
    out.reserve(n->count);
    ForEachValue(*n, n->first, [&](std::string_view value, uint64_t) {
      out.emplace_back(value);
      return true;
    });
    return out;
  }

  std::vector<std::string_view> Symbols() const {
    std::vector<std::string_view> out;
    out.reserve(symbol_count_);
    for (uint32_t i = 0; i < symbol_count_; ++i) out.push_back(Symbol(i));
    return out;
  }

  size_t SymbolCount() const { return symbol_count_; }

 private:
  // The entries of one label name in the postings offset table.
  struct NameEntry {
    std::string_view name;
    uint64_t first = 0;  // file offset of the first entry
    uint64_t end = 0;    // file offset just past the last entry
    uint32_t count = 0;
    std::vector<uint64_t> samples;  // offsets of entries 0, 32, 64, ...
  };

  Error Corrupt(const std::string& what) const {
    return Error("index " + path_ + ": corrupt: " + what);
  }
  Error BadRef(uint64_t ref) const {
    return Error("index " + path_ + ": no series with reference " + std::to_string(ref));
  }

  Status ReadToc() {
    const uint8_t* t = data_ + size_ - kIndexTocSize;
    if (Crc32c(t, kIndexTocSize - 4) != LoadBE32(t + kIndexTocSize - 4)) {
      return Corrupt("table of contents checksum mismatch");
    }
    uint64_t* fields[] = {&toc_.symbols,       &toc_.series,
                          &toc_.label_indices, &toc_.label_indices_table,
                          &toc_.postings,      &toc_.postings_table};
    const uint64_t toc_start = size_ - kIndexTocSize;
    for (size_t i = 0; i < std::size(fields); ++i) {
      *fields[i] = chunkenc::LoadBigEndian64(t + 8 * i);
      if (*fields[i] > toc_start) return Corrupt("table of contents points past the file");
    }
    series_end_ = toc_start;
    for (uint64_t next :
         {toc_.label_indices, toc_.label_indices_table, toc_.postings, toc_.postings_table}) {
      if (next != 0 && next >= toc_.series && next < series_end_) series_end_ = next;
    }
    return Status::Ok();
  }

  // A section: len <4b>, `len` bytes, CRC32 of them. Returns the body or an Error.
  Result<std::string_view> Section(uint64_t offset, const char* what) const {
    const uint64_t limit = size_ - kIndexTocSize;
    if (offset + 4 > limit) return Corrupt(std::string(what) + " runs past the file");
    const uint32_t len = LoadBE32(data_ + offset);
    if (offset + 4 + uint64_t{len} + 4 > limit) {
      return Corrupt(std::string(what) + " runs past the file");
    }
    const uint8_t* body = data_ + offset + 4;
    if (Crc32c(body, len) != LoadBE32(body + len)) {
      return Corrupt(std::string(what) + " checksum mismatch");
    }
    return std::string_view(reinterpret_cast<const char*>(body), len);
  }

  Status ReadSymbols() {
    if (toc_.symbols == 0) return Status::Ok();
    Result<std::string_view> body = Section(toc_.symbols, "symbol table");
    if (!body.ok()) return body.error();
    const auto* begin = reinterpret_cast<const uint8_t*>(body->data());
    Decoder d(begin, begin + body->size());
    const uint32_t count = d.BE32();
    if (count > body->size()) return Corrupt("symbol table count");
    symbol_offsets_.reserve(count);
    for (uint32_t i = 0; i < count; ++i) {
      symbol_offsets_.push_back(static_cast<uint32_t>(d.position() - begin));
      d.UvarintString();
      if (d.failed()) return Corrupt("symbol table truncated");
    }
    symbols_begin_ = begin;
    symbol_count_ = count;
    symbol_ids_ = std::make_unique<std::atomic<SymbolId>[]>(count);
    return Status::Ok();
  }

  std::string_view Symbol(uint32_t i) const {
    const uint8_t* p = symbols_begin_ + symbol_offsets_[i];
    Decoder d(p, data_ + size_);  // validated when opened
    return d.UvarintString();
  }

  // The process-wide id of symbol i, interned on first use.
  SymbolId Intern(uint32_t i) const {
    SymbolId id = symbol_ids_[i].load(std::memory_order_relaxed);
    if (id == 0) {
      id = SymbolTable::Global().Intern(Symbol(i));
      symbol_ids_[i].store(id, std::memory_order_relaxed);
    }
    return id;
  }

  // One postings offset table entry at `pos` (validated when opened).
  struct TableEntry {
    std::string_view name;
    std::string_view value;
    uint64_t offset;
    uint64_t next;  // where the next entry starts
  };
  TableEntry EntryAt(uint64_t pos) const {
    Decoder d(data_ + pos, data_ + size_);
    d.Byte();
    TableEntry e;
    e.name = d.UvarintString();
    e.value = d.UvarintString();
    e.offset = d.Uvarint();
    e.next = static_cast<uint64_t>(d.position() - data_);
    return e;
  }

  Status ReadPostingsTable() {
    if (toc_.postings_table == 0) return Status::Ok();
    Result<std::string_view> body = Section(toc_.postings_table, "postings offset table");
    if (!body.ok()) return body.error();
    const auto* begin = reinterpret_cast<const uint8_t*>(body->data());
    Decoder d(begin, begin + body->size());
    const uint32_t count = d.BE32();
    std::string_view last_name, last_value;
    for (uint32_t i = 0; i < count; ++i) {
      const uint64_t pos = static_cast<uint64_t>(d.position() - data_);
      const uint8_t n = d.Byte();
      const std::string_view name = d.UvarintString();
      const std::string_view value = d.UvarintString();
      const uint64_t offset = d.Uvarint();
      if (d.failed() || n != 2) return Corrupt("postings offset table entry " + std::to_string(i));
      if (offset >= size_) return Corrupt("postings offset past the file");
      if (i > 0 && (name < last_name || (name == last_name && value <= last_value))) {
        return Corrupt("postings offset table not sorted");
      }
      if (names_.empty() || names_.back().name != name) {
        if (!names_.empty()) names_.back().end = pos;
        names_.push_back(NameEntry{name, pos, pos, 0, {}});
      }
      NameEntry& e = names_.back();
      if (e.count % kPostingsSampleEvery == 0) e.samples.push_back(pos);
      ++e.count;
      last_name = name;
      last_value = value;
    }
    if (!names_.empty()) names_.back().end = static_cast<uint64_t>(d.position() - data_);
    return Status::Ok();
  }

  const NameEntry* FindName(std::string_view name) const {
    auto it = std::lower_bound(names_.begin(), names_.end(), name,
                               [](const NameEntry& e, std::string_view n) { return e.name < n; });
    if (it == names_.end() || it->name != name) return nullptr;
    return &*it;
  }

  // Calls fn(value, postings offset) for the entries of `n` from `pos` on, until fn returns
  // false.
  template <typename Fn>
  void ForEachValue(const NameEntry& n, uint64_t pos, Fn&& fn) const {
    while (pos < n.end) {
      const TableEntry e = EntryAt(pos);
      if (!fn(e.value, e.offset)) return;
      pos = e.next;
    }
  }

  // Where reading the entries of `n` reaches the first value >= value soonest: the last
  // sampled entry whose value is <= value, else the first entry.
  uint64_t StartFor(const NameEntry& n, std::string_view value) const {
    auto it =
        std::upper_bound(n.samples.begin(), n.samples.end(), value,
                         [&](std::string_view v, uint64_t pos) { return v < EntryAt(pos).value; });
    return it == n.samples.begin() ? n.first : *(it - 1);
  }

  std::optional<uint64_t> FindValue(const NameEntry& n, std::string_view value) const {
    std::optional<uint64_t> found;
    ForEachValue(n, StartFor(n, value), [&](std::string_view v, uint64_t offset) {
      if (v < value) return true;
      if (v == value) found = offset;
      return false;
    });
    return found;
  }

  Result<index::PostingsPtr> PostingsAt(uint64_t offset) const {
    Result<std::string_view> body = Section(offset, "postings list");
    if (!body.ok()) return body.error();
    const auto* p = reinterpret_cast<const uint8_t*>(body->data());
    if (body->size() < 4) return Corrupt("postings list too short");
    const uint32_t n = LoadBE32(p);
    if (uint64_t{n} * 4 != body->size() - 4) return Corrupt("postings list length mismatch");
    return MappedPostings(p + 4, n);
  }

  static index::PostingsPtr Combine(std::vector<index::PostingsPtr> its) {
    if (its.empty()) return index::EmptyPostings();
    if (its.size() == 1) return std::move(its[0]);
    return index::Merge(std::move(its));
  }

  std::string path_;
  Mapping map_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  int version_ = 0;
  IndexToc toc_;
  uint64_t series_end_ = 0;  // where the series section ends

  const uint8_t* symbols_begin_ = nullptr;  // just after the symbol table's length
  uint32_t symbol_count_ = 0;
  std::vector<uint32_t> symbol_offsets_;                 // from symbols_begin_
  std::unique_ptr<std::atomic<SymbolId>[]> symbol_ids_;  // 0: not interned yet
  std::vector<NameEntry> names_;                         // sorted by name; "" (all series) first
};

Result<std::unique_ptr<IndexReader>> IndexReader::Open(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  if (Status s = impl->Open(path); !s.ok()) return Error(s.message());
  return std::unique_ptr<IndexReader>(new IndexReader(std::move(impl)));
}

IndexReader::IndexReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
IndexReader::~IndexReader() = default;

index::PostingsPtr IndexReader::Get(std::string_view name, std::string_view value) const {
  return impl_->Get(name, value);
}
index::PostingsPtr IndexReader::GetAny(std::string_view name,
                                       std::span<const std::string> values) const {
  return impl_->GetAny(name, values);
}
index::PostingsPtr IndexReader::GetMatching(
    std::string_view name, const std::function<bool(std::string_view)>& keep) const {
  return impl_->GetMatchingPrefix(name, "", keep);
}
index::PostingsPtr IndexReader::GetMatchingPrefix(
    std::string_view name, std::string_view prefix,
    const std::function<bool(std::string_view)>& keep) const {
  return impl_->GetMatchingPrefix(name, prefix, keep);
}
index::PostingsPtr IndexReader::All() const {
  return impl_->Get("", "");
}
Result<index::PostingsPtr> IndexReader::Postings(std::string_view name,
                                                 std::string_view value) const {
  return impl_->Postings(name, value);
}
Status IndexReader::Series(uint64_t ref, Labels* labels, std::vector<ChunkMeta>* chunks) const {
  return impl_->Series(ref, labels, chunks);
}
std::vector<std::string> IndexReader::LabelNames() const {
  return impl_->LabelNames();
}
std::vector<std::string> IndexReader::LabelValues(std::string_view name) const {
  return impl_->LabelValues(name);
}
std::vector<std::string_view> IndexReader::Symbols() const {
  return impl_->Symbols();
}
size_t IndexReader::SymbolCount() const {
  return impl_->SymbolCount();
}
uint64_t IndexReader::size() const {
  return impl_->size();
}
int IndexReader::version() const {
  return impl_->version();
}

}  // namespace tsdbd::tsdb::block
