// Constants of the block index file format v2 (tsdb/docs/format/index.md) shared by the
// writer, the reader and tests.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tsdbd::tsdb::block {

inline constexpr uint32_t kIndexMagic = 0xBAAAD700;
inline constexpr uint8_t kIndexVersion2 = 2;
inline constexpr size_t kIndexHeaderSize = 5;  // magic, version
// Six 8-byte section references and a CRC32.
inline constexpr size_t kIndexTocSize = 6 * 8 + 4;
// Series entries start at multiples of this; a series' reference is its offset divided by it.
inline constexpr uint64_t kSeriesAlignment = 16;
// Label index and postings sections start at multiples of this.
inline constexpr uint64_t kSectionAlignment = 4;

// The table of contents at the end of the file: where each section starts (0: absent).
struct IndexToc {
  uint64_t symbols = 0;
  uint64_t series = 0;
  uint64_t label_indices = 0;
  uint64_t label_indices_table = 0;
  uint64_t postings = 0;
  uint64_t postings_table = 0;
};

}  // namespace tsdbd::tsdb::block
