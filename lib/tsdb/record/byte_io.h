// Big-endian fixed-width integers and Go-compatible varints (uvarint: LEB128; varint:
// zig-zag then LEB128), the primitives of the Prometheus TSDB record encodings.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "lib/tsdb/chunkenc/varint.h"

namespace tsdbd::tsdb::record {

// Appends encoded values to a caller-owned string (which must outlive the writer).
class ByteWriter {
 public:
  explicit ByteWriter(std::string* out) : out_(out) {}

  void PutByte(uint8_t b) { out_->push_back(static_cast<char>(b)); }
  void PutBE64(uint64_t v) {
    char b[8];
    for (int i = 7; i >= 0; --i, v >>= 8) b[i] = static_cast<char>(v & 0xFF);
    out_->append(b, 8);
  }
  void PutBE64Double(double d) { PutBE64(std::bit_cast<uint64_t>(d)); }
  void PutUvarint(uint64_t v) {
    uint8_t b[chunkenc::kMaxVarintLen64];
    out_->append(reinterpret_cast<const char*>(b), chunkenc::PutUvarint(b, v));
  }
  void PutVarint(int64_t v) { PutUvarint(chunkenc::ZigZag(v)); }
  void PutUvarintStr(std::string_view s) {
    PutUvarint(s.size());
    out_->append(s);
  }

 private:
  std::string* out_;
};

// Reads values from a byte view (which must outlive the reader). Reading past the end or
// a malformed varint sets a sticky failure flag and yields zeros; check ok() at the end.
class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}

  bool ok() const { return ok_; }
  size_t remaining() const { return in_.size(); }
  bool empty() const { return in_.empty(); }

  uint8_t Byte() {
    if (in_.empty()) return Fail();
    uint8_t b = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return b;
  }
  uint64_t BE64() {
    if (in_.size() < 8) return Fail();
    uint64_t v;
    std::memcpy(&v, in_.data(), 8);
    in_.remove_prefix(8);
    return std::endian::native == std::endian::little ? __builtin_bswap64(v) : v;
  }
  double BE64Double() { return std::bit_cast<double>(BE64()); }
  uint64_t Uvarint() {
    // Most varints of a record (sample deltas) fit in one byte.
    if (!in_.empty() && static_cast<uint8_t>(in_[0]) < 0x80) {
      const uint64_t v = static_cast<uint8_t>(in_[0]);
      in_.remove_prefix(1);
      return v;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < in_.size() && i < 10; ++i) {
      uint8_t b = static_cast<uint8_t>(in_[i]);
      if (i == 9 && b > 1) break;  // overflows 64 bits
      v |= static_cast<uint64_t>(b & 0x7F) << (7 * i);
      if (b < 0x80) {
        in_.remove_prefix(i + 1);
        return v;
      }
    }
    return Fail();
  }
  int64_t Varint() { return chunkenc::UnZigZag(Uvarint()); }
  // A uvarint length followed by that many bytes; the view points into the input.
  std::string_view UvarintStr() {
    uint64_t n = Uvarint();
    if (!ok_ || n > in_.size()) {
      Fail();
      return {};
    }
    std::string_view s = in_.substr(0, n);
    in_.remove_prefix(n);
    return s;
  }

 private:
  uint8_t Fail() {
    ok_ = false;
    in_ = {};
    return 0;
  }

  std::string_view in_;
  bool ok_ = true;
};

}  // namespace tsdbd::tsdb::record
