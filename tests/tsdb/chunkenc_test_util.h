// Helpers shared by the chunkenc tests: samples compared bit for bit.
#pragma once

#include <bit>
#include <cstdint>
#include <cstdio>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "lib/tsdb/chunkenc/xor_chunk.h"
#include "lib/tsdb/chunkenc/xor_iterator.h"

namespace tsdbd::tsdb::chunkenc::testutil {

struct Sample {
  int64_t t;
  uint64_t v_bits;  // compared as bits so NaN payloads and -0 count

  static Sample Of(int64_t t, double v) { return {t, std::bit_cast<uint64_t>(v)}; }
  double v() const { return std::bit_cast<double>(v_bits); }
  bool operator==(const Sample&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const Sample& s) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "{t=%lld v=%.17g bits=%016llx}", static_cast<long long>(s.t),
                s.v(), static_cast<unsigned long long>(s.v_bits));
  return os << buf;
}

inline XorChunk Encode(const std::vector<Sample>& samples) {
  XorChunk c;
  for (const Sample& s : samples) {
    if (!c.AppendBits(s.t, s.v_bits)) break;
  }
  return c;
}

// Every sample the iterator yields, until it stops.
inline std::vector<Sample> Decode(XorIterator it) {
  std::vector<Sample> out;
  while (it.Next()) out.push_back({it.t(), it.v_bits()});
  return out;
}

inline std::vector<Sample> Decode(std::span<const uint8_t> bytes) {
  return Decode(XorIterator(bytes));
}

inline std::string Hex(std::span<const uint8_t> b) {
  static const char* kDigits = "0123456789abcdef";
  std::string s;
  for (uint8_t c : b) {
    s += kDigits[c >> 4];
    s += kDigits[c & 15];
  }
  return s;
}

// Bytes from hex digits; spaces are ignored.
inline std::vector<uint8_t> FromHex(const std::string& hex) {
  std::string digits;
  for (char c : hex) {
    if (c != ' ') digits += c;
  }
  auto nib = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < digits.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(nib(digits[i]) << 4 | nib(digits[i + 1])));
  }
  return out;
}

}  // namespace tsdbd::tsdb::chunkenc::testutil
