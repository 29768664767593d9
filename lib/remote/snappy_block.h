// Snappy's block format (not the framed/stream format): the body encoding of remote write
// and remote read.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "lib/model/result.h"

namespace tsdbd::remote {

// Replaces *out with the compressed form of `raw`.
void SnappyCompress(std::string_view raw, std::string* out);
std::string SnappyCompress(std::string_view raw);

// Replaces *out with the decompressed form of `compressed`. Errors use Go snappy's wording,
// which Prometheus answers: "snappy: corrupt input" for anything malformed (empty input
// included), "snappy: decoded block is too large" when the announced length exceeds
// `max_decoded_bytes`. A length that `compressed` cannot possibly expand to is rejected
// before anything is allocated for it.
Status SnappyDecompress(std::string_view compressed, size_t max_decoded_bytes, std::string* out);

}  // namespace tsdbd::remote
