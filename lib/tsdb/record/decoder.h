// Decodes record payloads. Each Decode* appends the entries of one record to *out; on a
// malformed record it returns an Error and *out may hold a prefix of the entries.
// A record of another type is an Error too: check RecordType() first.
#pragma once

#include <string_view>
#include <vector>

#include "lib/model/result.h"
#include "lib/tsdb/record/record.h"

namespace tsdbd::tsdb::record {

// The type named by the first byte; kUnknown for an empty record or an unknown byte.
Type RecordType(std::string_view rec);

Status DecodeSeries(std::string_view rec, std::vector<RefSeries>* out);
Status DecodeSamples(std::string_view rec, std::vector<RefSample>* out);
Status DecodeTombstones(std::string_view rec, std::vector<Stone>* out);
Status DecodeExemplars(std::string_view rec, std::vector<RefExemplar>* out);
Status DecodeMmapMarkers(std::string_view rec, std::vector<RefMmapMarker>* out);
// Fields other than unit and help are skipped, as newer writers may add some.
Status DecodeMetadata(std::string_view rec, std::vector<RefMetadata>* out);

}  // namespace tsdbd::tsdb::record
