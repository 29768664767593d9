// Decodes an XOR chunk (format: xor_chunk.h) sample by sample.
#pragma once

#include <cstdint>
#include <span>

#include "lib/model/result.h"
#include "lib/tsdb/chunkenc/bit_reader.h"

namespace tsdbd::tsdb::chunkenc {

// Walks the samples of one XOR chunk in order. Reads the sample count once, at
// construction: samples appended to the chunk later are not seen.
//
// Corrupt or truncated input never makes it read outside `bytes`: Next() returns false
// and Err() says what was wrong; the samples before the damage were returned as usual.
//
// Not thread-safe; cheap to copy (copies share the bytes).
class XorIterator {
 public:
  // An iterator with no samples.
  XorIterator() = default;

  // Iterates `bytes` (the chunk data, from its sample-count header on), which must stay
  // alive and unchanged while the iterator is used. Fewer than 2 bytes is an error that
  // Err() reports.
  explicit XorIterator(std::span<const uint8_t> bytes);

  // Moves to the next sample. False at the end or on corrupt data (see Err()).
  bool Next();

  // Moves forward to the first sample with timestamp >= t and returns true, or returns
  // false when there is none (or the data is corrupt). Never moves backwards: if the
  // current sample already has timestamp >= t, stays on it. Before the first Next(),
  // considers the first sample. After Next() or Seek() returned false, always false.
  bool Seek(int64_t t);

  // The current sample; valid after Next() or Seek() returned true.
  int64_t t() const { return t_; }
  double v() const;
  // The value's exact bits (NaN payloads included).
  uint64_t v_bits() const { return v_bits_; }

  // Ok, or why iteration stopped early.
  Status Err() const;

  // Samples in the chunk according to its header, and samples read so far.
  uint16_t num_samples() const { return num_total_; }
  uint16_t num_read() const { return num_read_; }

  // Encoder state after the current sample, used to resume appending (XorChunk::FromBytes).
  uint64_t bit_position() const { return reader_.position(); }
  uint64_t t_delta() const { return t_delta_; }
  // Leading zeros and trailing zeros of the last XOR written with explicit widths;
  // have_widths() is false when there was none yet.
  uint8_t leading() const { return leading_; }
  uint8_t trailing() const { return trailing_; }
  bool have_widths() const { return have_widths_; }

 private:
  enum class Fault : uint8_t { kNone, kShort, kTruncated, kBadVarint, kBadWidths };

  bool Fail(Fault f) {
    fault_ = f;
    return false;
  }
  bool ReadValue();

  BitReader reader_;
  int64_t t_ = 0;
  uint64_t v_bits_ = 0;
  uint64_t t_delta_ = 0;  // last timestamp delta, modulo 2^64
  uint16_t num_total_ = 0;
  uint16_t num_read_ = 0;
  uint8_t leading_ = 0;
  uint8_t trailing_ = 0;
  bool have_widths_ = false;
  bool exhausted_ = false;  // Next() ran past the last sample
  Fault fault_ = Fault::kNone;
};

}  // namespace tsdbd::tsdb::chunkenc
