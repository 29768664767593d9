// Hand-built protobuf bytes for the remote tests: fields written one by one, so that a test
// can produce what a well-behaved encoder never would (unknown fields, odd orders,
// truncations, packed and unpacked scalars).
#pragma once

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>

namespace tsdbd::remote::testing {

inline std::string Varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}

inline std::string Tag(uint64_t field, int wire_type) {
  return Varint(field << 3 | wire_type);
}

inline std::string VarintField(uint64_t field, uint64_t v) {
  return Tag(field, 0) + Varint(v);
}

inline std::string Fixed64Bits(uint64_t bits) {
  std::string out(8, '\0');
  std::memcpy(out.data(), &bits, 8);
  return out;
}

inline std::string DoubleField(uint64_t field, double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, 8);
  return Tag(field, 1) + Fixed64Bits(bits);
}

inline std::string LenField(uint64_t field, std::string_view bytes) {
  return Tag(field, 2) + Varint(bytes.size()) + std::string(bytes);
}

inline std::string Cat(std::initializer_list<std::string> parts) {
  std::string out;
  for (const std::string& p : parts) out += p;
  return out;
}

inline std::string LabelMsg(std::string_view name, std::string_view value) {
  return LenField(1, name) + LenField(2, value);
}

inline std::string SampleMsg(double v, int64_t t) {
  return DoubleField(1, v) + VarintField(2, static_cast<uint64_t>(t));
}

// A TimeSeries field (WriteRequest field 1) holding `body`.
inline std::string SeriesField(std::string_view body) {
  return LenField(1, body);
}

}  // namespace tsdbd::remote::testing
