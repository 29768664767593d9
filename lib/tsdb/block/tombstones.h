// The deleted time ranges of a block's series, and its tombstones file
// (tsdb/docs/format/tombstones.md): magic 0x0130BA30 (big-endian) and version 1, then one
// entry per interval, uvarint(series ref) | varint(mint) | varint(maxt), and a big-endian
// CRC32C of the entries.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "lib/model/result.h"

namespace tsdbd::tsdb::block {

inline constexpr uint32_t kTombstonesMagic = 0x0130BA30;
inline constexpr uint8_t kTombstonesFormatV1 = 1;

struct Interval {  // inclusive at both ends
  int64_t mint, maxt;
  bool InBounds(int64_t t) const { return mint <= t && t <= maxt; }
  bool operator==(const Interval&) const = default;
};

// Thread-safe.
class Tombstones {
 public:
  Tombstones() = default;
  Tombstones(Tombstones&& other) noexcept;
  Tombstones& operator=(Tombstones&& other) noexcept;
  Tombstones(const Tombstones&) = delete;
  Tombstones& operator=(const Tombstones&) = delete;

  // Adds an interval for a series, merging it with overlapping or adjacent ones
  // ([1,3] + [4,6] = [1,6]), as Prometheus does.
  void Add(uint64_t ref, Interval iv);
  // The intervals of a series, sorted and merged; empty if none.
  std::vector<Interval> Get(uint64_t ref) const;
  // Drops all intervals of a series (its data was rewritten without the deleted samples).
  void Remove(uint64_t ref);
  // Number of intervals over all series.
  uint64_t NumTombstones() const;
  bool Empty() const;
  // Calls fn for every series with intervals, in ascending ref order. fn must not call
  // back into this object.
  void ForEach(const std::function<void(uint64_t ref, std::span<const Interval>)>& fn) const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<uint64_t, std::vector<Interval>> intervals_;
};

// Decodes a tombstones file's bytes. Error for a bad magic, version, CRC or truncation.
Result<Tombstones> DecodeTombstones(std::string_view data);
// Encodes as Prometheus 2.42 does: entries in ascending series ref order, intervals sorted.
std::string EncodeTombstones(const Tombstones& t);

// Reads <block_dir>/tombstones; a missing file means no tombstones.
Result<Tombstones> ReadTombstones(const std::string& block_dir);
// Writes <block_dir>/tombstones through a temporary file, fsync and rename.
Status WriteTombstones(const std::string& block_dir, const Tombstones& t);

}  // namespace tsdbd::tsdb::block
