// Decodes record payloads. Each Decode* appends the entries of one record to *out; on a
// malformed record it returns an Error and *out may hold a prefix of the entries.
// A record of another type is an Error too: check RecordType() first.
#pragma once

#include <span>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "lib/model/result.h"
#include "lib/tsdb/record/byte_io.h"
#include "lib/tsdb/record/record.h"

namespace tsdbd::tsdb::record {

// The type named by the first byte; kUnknown for an empty record or an unknown byte.
Type RecordType(std::string_view rec);

Status DecodeSeries(std::string_view rec, std::vector<RefSeries>* out);
// The name/value pairs of a series, as views into its record.
using LabelViews = std::span<const std::pair<std::string_view, std::string_view>>;
// Calls fn(ref, labels) for each series of a series record, in order, with views into `rec`
// that are valid while it is: for a caller that keeps no copy of the strings (the WAL replay,
// which interns them). Fails as DecodeSeries does, after calling fn for the series before
// the malformed one.
template <typename Fn>
Status ForEachSeries(std::string_view rec, Fn&& fn);
Status DecodeSamples(std::string_view rec, std::vector<RefSample>* out);
// Calls fn(ref, t, v_bits) for each sample of a samples record, in order, as it decodes them:
// for a caller that needs no vector of the samples (the WAL replay, which drops most of a
// settled WAL's samples at once). Fails as DecodeSamples does, after calling fn for the
// samples before the malformed one. An fn that returns bool stops the decoding by returning
// false (the record's remainder is then not checked).
template <typename Fn>
Status ForEachSample(std::string_view rec, Fn&& fn);

// Whether `rec` is a well-formed samples record with no sample at or after `t`: the WAL
// replay drops such a record (every sample older than its blocks) before decoding it again.
bool AllSamplesBefore(std::string_view rec, int64_t t);

Status DecodeTombstones(std::string_view rec, std::vector<Stone>* out);
Status DecodeExemplars(std::string_view rec, std::vector<RefExemplar>* out);
Status DecodeMmapMarkers(std::string_view rec, std::vector<RefMmapMarker>* out);
// Fields other than unit and help are skipped, as newer writers may add some.
Status DecodeMetadata(std::string_view rec, std::vector<RefMetadata>* out);

namespace internal {
Error MalformedRecord(const char* what, size_t entries);
// Reads a label count and that many name/value pairs into *out (cleared first).
bool ReadLabelViews(ByteReader& r, std::vector<std::pair<std::string_view, std::string_view>>* out);
}  // namespace internal

template <typename Fn>
Status ForEachSeries(std::string_view rec, Fn&& fn) {
  if (RecordType(rec) != Type::kSeries) return Error("not a series record");
  ByteReader r(rec.substr(1));
  std::vector<std::pair<std::string_view, std::string_view>> labels;
  for (size_t n = 0; !r.empty(); ++n) {
    const uint64_t ref = r.BE64();
    if (!r.ok() || !internal::ReadLabelViews(r, &labels)) {
      return internal::MalformedRecord("series", n);
    }
    fn(ref, LabelViews(labels));
  }
  return Status::Ok();
}

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
    const uint64_t ref = base_ref + dref;
    const auto t = static_cast<int64_t>(base_t + dt);
    if constexpr (std::is_same_v<std::invoke_result_t<Fn, uint64_t, int64_t, uint64_t>, bool>) {
      if (!fn(ref, t, v_bits)) break;
    } else {
      fn(ref, t, v_bits);
    }
  }
  return Status::Ok();
}

}  // namespace tsdbd::tsdb::record
