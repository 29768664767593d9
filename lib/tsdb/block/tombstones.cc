#include "lib/tsdb/block/tombstones.h"

#include <algorithm>
#include <filesystem>
#include <limits>
#include <utility>

#include "lib/tsdb/chunkenc/varint.h"
#include "lib/tsdb/crc32c.h"
#include "lib/tsdb/fs/durable.h"
#include "lib/tsdb/fs/file.h"

namespace tsdbd::tsdb::block {
namespace {

constexpr char kTombstonesFilename[] = "tombstones";
constexpr size_t kHeaderSize = 5;  // magic, version

// Whether a and b overlap or touch (b starts right after a ends, or the reverse), without
// overflowing at the ends of int64.
bool Mergeable(const Interval& a, const Interval& b) {
  const Interval& lo = a.mint <= b.mint ? a : b;
  const Interval& hi = a.mint <= b.mint ? b : a;
  return lo.maxt == std::numeric_limits<int64_t>::max() || hi.mint <= lo.maxt + 1;
}

// Inserts iv into sorted, merged, non-touching intervals, keeping them so.
void AddInterval(std::vector<Interval>& v, Interval iv) {
  // First interval that ends at or after iv.mint - 1 (may merge with iv).
  auto first = std::lower_bound(v.begin(), v.end(), iv, [](const Interval& e, const Interval& n) {
    return !Mergeable(e, n) && e.maxt < n.mint;
  });
  auto last = first;
  while (last != v.end() && Mergeable(*last, iv)) {
    iv.mint = std::min(iv.mint, last->mint);
    iv.maxt = std::max(iv.maxt, last->maxt);
    ++last;
  }
  if (first == last) {
    v.insert(first, iv);
  } else {
    *first = iv;
    v.erase(first + 1, last);
  }
}

bool GetUvarint(std::string_view& d, uint64_t& out) {
  uint64_t v = 0;
  for (size_t i = 0; i < chunkenc::kMaxVarintLen64 && i < d.size(); ++i) {
    const uint8_t b = static_cast<uint8_t>(d[i]);
    if (i == 9 && b > 1) return false;  // overflows 64 bits
    v |= uint64_t{b & 0x7fu} << (7 * i);
    if (b < 0x80) {
      out = v;
      d.remove_prefix(i + 1);
      return true;
    }
  }
  return false;
}

bool GetVarint(std::string_view& d, int64_t& out) {
  uint64_t u;
  if (!GetUvarint(d, u)) return false;
  out = chunkenc::UnZigZag(u);
  return true;
}

uint32_t LoadBigEndian32(const char* p) {
  const auto* b = reinterpret_cast<const uint8_t*>(p);
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
}

void PutBigEndian32(std::string& out, uint32_t v) {
  const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                     static_cast<char>(v >> 8), static_cast<char>(v)};
  out.append(b, 4);
}

}  // namespace

Tombstones::Tombstones(Tombstones&& other) noexcept {
  std::lock_guard lock(other.mu_);
  intervals_ = std::move(other.intervals_);
}

Tombstones& Tombstones::operator=(Tombstones&& other) noexcept {
  if (this != &other) {
    std::scoped_lock lock(mu_, other.mu_);
    intervals_ = std::move(other.intervals_);
  }
  return *this;
}

void Tombstones::Add(uint64_t ref, Interval iv) {
  if (iv.mint > iv.maxt) std::swap(iv.mint, iv.maxt);
  std::lock_guard lock(mu_);
  AddInterval(intervals_[ref], iv);
}

std::vector<Interval> Tombstones::Get(uint64_t ref) const {
  std::lock_guard lock(mu_);
  auto it = intervals_.find(ref);
  return it == intervals_.end() ? std::vector<Interval>{} : it->second;
}

void Tombstones::Remove(uint64_t ref) {
  std::lock_guard lock(mu_);
  intervals_.erase(ref);
}

uint64_t Tombstones::NumTombstones() const {
  std::lock_guard lock(mu_);
  uint64_t n = 0;
  for (const auto& [ref, v] : intervals_) n += v.size();
  return n;
}

bool Tombstones::Empty() const {
  std::lock_guard lock(mu_);
  return intervals_.empty();
}

void Tombstones::ForEach(
    const std::function<void(uint64_t ref, std::span<const Interval>)>& fn) const {
  std::lock_guard lock(mu_);
  std::vector<uint64_t> refs;
  refs.reserve(intervals_.size());
  for (const auto& [ref, v] : intervals_) refs.push_back(ref);
  std::sort(refs.begin(), refs.end());
  for (uint64_t ref : refs) fn(ref, intervals_.at(ref));
}

std::string EncodeTombstones(const Tombstones& t) {
  std::string out;
  PutBigEndian32(out, kTombstonesMagic);
  out.push_back(static_cast<char>(kTombstonesFormatV1));
  t.ForEach([&](uint64_t ref, std::span<const Interval> ivs) {
    uint8_t buf[3 * chunkenc::kMaxVarintLen64];
    for (const Interval& iv : ivs) {
      size_t n = chunkenc::PutUvarint(buf, ref);
      n += chunkenc::PutVarint(buf + n, iv.mint);
      n += chunkenc::PutVarint(buf + n, iv.maxt);
      out.append(reinterpret_cast<const char*>(buf), n);
    }
  });
  PutBigEndian32(out, Crc32c(std::string_view(out).substr(kHeaderSize)));
  return out;
}

Result<Tombstones> DecodeTombstones(std::string_view data) {
  if (data.size() < kHeaderSize + 4) {
    return Error("tombstones: " + std::to_string(data.size()) + " bytes are too few");
  }
  if (LoadBigEndian32(data.data()) != kTombstonesMagic) {
    return Error("tombstones: bad magic number");
  }
  if (static_cast<uint8_t>(data[4]) != kTombstonesFormatV1) {
    return Error("tombstones: unsupported format version " +
                 std::to_string(static_cast<uint8_t>(data[4])));
  }
  std::string_view body = data.substr(kHeaderSize, data.size() - kHeaderSize - 4);
  if (Crc32c(body) != LoadBigEndian32(data.data() + data.size() - 4)) {
    return Error("tombstones: checksum mismatch");
  }
  Tombstones t;
  while (!body.empty()) {
    uint64_t ref;
    int64_t mint, maxt;
    if (!GetUvarint(body, ref) || !GetVarint(body, mint) || !GetVarint(body, maxt)) {
      return Error("tombstones: truncated or malformed entry");
    }
    t.Add(ref, Interval{mint, maxt});
  }
  return t;
}

Result<Tombstones> ReadTombstones(const std::string& block_dir) {
  const std::string path = block_dir + "/" + kTombstonesFilename;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec) && !ec) return Tombstones();  // none written
  auto text = fs::ReadWholeFile(path);
  if (!text.ok()) return text.error();
  auto t = DecodeTombstones(*text);
  if (!t.ok()) return Error(path + ": " + t.error().message());
  return t;
}

Status WriteTombstones(const std::string& block_dir, const Tombstones& t) {
  return fs::WriteFileAtomically(block_dir + "/" + kTombstonesFilename, EncodeTombstones(t));
}

}  // namespace tsdbd::tsdb::block
