// Encodes record payloads. Each function appends one whole record (type byte first) to
// *out and leaves what *out held before untouched, so a caller can reuse one buffer.
#pragma once

#include <span>
#include <string>

#include "lib/tsdb/record/record.h"

namespace tsdbd::tsdb::record {

void EncodeSeries(std::span<const RefSeries> series, std::string* out);
// Timestamps and refs are stored as deltas from the first sample, so any order works.
void EncodeSamples(std::span<const RefSample> samples, std::string* out);
void EncodeTombstones(std::span<const Stone> stones, std::string* out);
void EncodeExemplars(std::span<const RefExemplar> exemplars, std::string* out);
void EncodeMmapMarkers(std::span<const RefMmapMarker> markers, std::string* out);
void EncodeMetadata(std::span<const RefMetadata> metadata, std::string* out);

}  // namespace tsdbd::tsdb::record
