// XOR chunks: Prometheus's encoding of float samples (Gorilla, VLDB 2015, with Prometheus's
// timestamp buckets), byte-for-byte as Prometheus 2.42 writes it (tsdb/docs/format/chunks.md):
//
//   num_samples u16 big-endian
//   sample 0:  timestamp as Go varint (zig-zag), value as 64 raw bits
//   sample 1:  timestamp delta as Go uvarint, value as varbit_xor
//   sample n:  delta-of-delta as varbit_ts, value as varbit_xor
//   zero padding to a whole byte (and, as Prometheus does, sometimes one more zero byte)
//
// varbit_ts:  '0' (0) | '10' + 14 bits | '110' + 17 bits | '1110' + 20 bits | '1111' + 64 bits
// varbit_xor: '0' (same value) | '10' + bits with the previous widths |
//             '11' + 5 bits leading zeros (max 31) + 6 bits length (64 as 0) + bits
#pragma once

#include <cstdint>
#include <span>

#include "lib/model/result.h"
#include "lib/tsdb/chunkenc/bit_writer.h"
#include "lib/tsdb/chunkenc/encoding.h"
#include "lib/tsdb/chunkenc/xor_iterator.h"

namespace tsdbd::tsdb::chunkenc {

// One XOR chunk: owns its bytes and the encoder state, so Append costs O(1) and allocates
// only when the byte buffer grows (rarely: it starts at 128 bytes and doubles).
// Not thread-safe: concurrent readers need the caller's lock or a copy of Bytes().
class XorChunk {
 public:
  static constexpr uint16_t kMaxSamples = 65535;  // the header's u16 limit
  static constexpr Encoding kEncoding = Encoding::kXor;

  // An empty chunk.
  XorChunk();

  // A chunk holding a copy of `bytes` (chunk data as stored on disk, from the sample count
  // on). Decodes every sample to check it; an error says what is wrong. The result can be
  // appended to: appends continue exactly where the last sample ends. To only read a chunk,
  // XorIterator over the bytes is cheaper (no copy).
  static Result<XorChunk> FromBytes(std::span<const uint8_t> bytes);

  // The encoded chunk, as Prometheus would store it. Valid until the next Append.
  std::span<const uint8_t> Bytes() const { return stream_.Bytes(); }
  uint16_t NumSamples() const;

  // Appends a sample; false (and no change) when the chunk already holds kMaxSamples.
  // The value is kept bit for bit (NaN payloads, -0). Timestamps are not checked: any
  // int64 sequence round-trips (deltas wrap modulo 2^64), but Prometheus's head only
  // ever appends increasing timestamps, for which the encoding is designed.
  [[nodiscard]] bool Append(int64_t t, double v);
  // Same, with the value given as its IEEE-754 bits.
  [[nodiscard]] bool AppendBits(int64_t t, uint64_t v_bits);

  // Iterates the samples present now. The iterator reads Bytes(): Append invalidates it.
  XorIterator Iterator() const { return XorIterator(Bytes()); }

  // Timestamp of the last sample; only meaningful when NumSamples() > 0.
  int64_t last_t() const { return t_; }

 private:
  static constexpr uint8_t kNoWidths = 0xff;  // no explicit XOR widths written yet

  void WriteTimestampDod(int64_t dod);
  void WriteValue(uint64_t v_bits);

  BitWriter stream_;
  int64_t t_ = 0;                // last timestamp
  uint64_t v_bits_ = 0;          // last value's bits
  uint64_t t_delta_ = 0;         // last timestamp delta, modulo 2^64
  uint8_t leading_ = kNoWidths;  // widths of the last '11' XOR, for '10' reuse
  uint8_t trailing_ = 0;
};

}  // namespace tsdbd::tsdb::chunkenc
