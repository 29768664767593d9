// Decodes record payloads. Each Decode* appends the entries of one record to *out; on a
// malformed record it returns an Error and *out may hold a prefix of the entries.
// A record of another type is an Error too: check RecordType() first.
#pragma once

#include <string_view>
#include <vector>

#include "lib/model/result.h"
#include "lib/tsdb/record/byte_io.h"
#include "lib/tsdb/record/record.h"

namespace tsdbd::tsdb::record {

// The type named by the first byte; kUnknown for an empty record or an unknown byte.
Type RecordType(std::string_view rec);

Status DecodeSeries(std::string_view rec, std::vector<RefSeries>* out);
Status DecodeSamples(std::string_view rec, std::vector<RefSample>* out);
// Calls fn(ref, t, v_bits) for each sample of a samples record, in order, as it decodes them:
// for a caller that needs no vector of the samples (the WAL replay, which drops most of a
// settled WAL's samples at once). Fails as DecodeSamples does, after calling fn for the
// samples before the malformed one.
template <typename Fn>
Status ForEachSample(std::string_view rec, Fn&& fn);

Status DecodeTombstones(std::string_view rec, std::vector<Stone>* out);
Status DecodeExemplars(std::string_view rec, std::vector<RefExemplar>* out);
Status DecodeMmapMarkers(std::string_view rec, std::vector<RefMmapMarker>* out);
// Fields other than unit and help are skipped, as newer writers may add some.
Status DecodeMetadata(std::string_view rec, std::vector<RefMetadata>* out);

namespace internal {
Error MalformedRecord(const char* what, size_t entries);
}  // namespace internal

template <typename Fn>
Status ForEachSample(std::string_view rec, Fn&& fn) {
  if (RecordType(rec) != Type::kSamples) return Error("not a samples record");
  ByteReader r(rec.substr(1));
  if (r.empty()) return Status::Ok();
  const uint64_t base_ref = r.BE64();
  const uint64_t base_t = r.BE64();
  if (!r.ok()) return internal::MalformedRecord("samples", 0);
  // Deltas are against the first sample (not chained), as in Prometheus's format.
  for (size_t n = 0; !r.empty(); ++n) {
    const uint64_t dref = static_cast<uint64_t>(r.Varint());
    const uint64_t dt = static_cast<uint64_t>(r.Varint());
    const uint64_t v_bits = r.BE64();
    if (!r.ok()) return internal::MalformedRecord("samples", n);
    fn(base_ref + dref, static_cast<int64_t>(base_t + dt), v_bits);
  }
  return Status::Ok();
}

}  // namespace tsdbd::tsdb::record
