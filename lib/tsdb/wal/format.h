// Constants of the Prometheus WAL segment format (tsdb/docs/format/wal.md).
//
// A segment is a sequence of 32 KiB pages. A record is split into fragments, none crossing
// a page: header = type byte, data length (2 bytes, big-endian), CRC-32C of the data
// (4 bytes, big-endian), then the data. The rest of a page too short for a header is zeros;
// so is the rest of a page whose next type byte is 0. Records never span two segments.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tsdbd::tsdb::wal {

inline constexpr size_t kPageSize = 32 * 1024;
inline constexpr size_t kFragmentHeaderSize = 7;
inline constexpr int64_t kDefaultSegmentSize = 128 * 1024 * 1024;

enum class FragmentType : uint8_t {
  kPageTerm = 0,  // the rest of the page is zero padding
  kFull = 1,      // a whole record
  kFirst = 2,
  kMiddle = 3,
  kLast = 4,
};

inline constexpr uint8_t kFragmentTypeMask = 0x07;
inline constexpr uint8_t kSnappyFlag = 0x08;  // the record's data is snappy block-compressed
// Set by Prometheus versions newer than 2.42 for zstd: read as unsupported, never repaired.
inline constexpr uint8_t kZstdFlag = 0x10;

}  // namespace tsdbd::tsdb::wal
