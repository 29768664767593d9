// Character classes of the exposition grammars (internal to textparse).
#pragma once

#include <array>
#include <cstdint>

namespace tsdbd::scrape::textparse::chars {

enum : uint8_t {
  kMetricStart = 1,  // [a-zA-Z_:]
  kMetric = 2,       // [a-zA-Z0-9_:]
  kLabelStart = 4,   // [a-zA-Z_]
  kLabel = 8,        // [a-zA-Z0-9_]
  kDigit = 16,       // [0-9]
};

inline constexpr std::array<uint8_t, 256> kTable = [] {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    uint8_t v = 0;
    if (alpha || c == ':') v |= kMetricStart | kMetric;
    if (digit) v |= kMetric | kLabel | kDigit;
    if (alpha) v |= kLabelStart | kLabel;
    t[c] = v;
  }
  return t;
}();

inline bool Is(char c, uint8_t cls) {
  return kTable[static_cast<unsigned char>(c)] & cls;
}

}  // namespace tsdbd::scrape::textparse::chars
