// Chunk encodings, numbered as Prometheus numbers them on disk (the byte that precedes each
// chunk's data in a segment file).
#pragma once

#include <cstdint>
#include <string_view>

namespace tsdbd::tsdb::chunkenc {

enum class Encoding : uint8_t {
  kNone = 0,
  kXor = 1,             // float samples, Gorilla-style (xor_chunk.h)
  kHistogram = 2,       // native histograms: not implemented yet
  kFloatHistogram = 3,  // float native histograms: not implemented yet
};

// The name Prometheus prints for an encoding ("XOR", ...); "<unknown>" otherwise.
constexpr std::string_view EncodingName(Encoding e) {
  switch (e) {
    case Encoding::kNone:
      return "none";
    case Encoding::kXor:
      return "XOR";
    case Encoding::kHistogram:
      return "histogram";
    case Encoding::kFloatHistogram:
      return "floathistogram";
  }
  return "<unknown>";
}

// True for the encodings this library can decode.
constexpr bool IsSupported(Encoding e) {
  return e == Encoding::kXor;
}

}  // namespace tsdbd::tsdb::chunkenc
