#include "lib/tsdb/record/decoder.h"

#include <bit>
#include <string>

#include "lib/tsdb/record/byte_io.h"

namespace tsdbd::tsdb::record {
namespace {

// Checks the type byte and returns a reader positioned after it.
Result<ByteReader> Open(std::string_view rec, Type want, const char* what) {
  if (RecordType(rec) != want) return Error(std::string("not a ") + what + " record");
  return ByteReader(rec.substr(1));
}

Error Malformed(const char* what, size_t entries) {
  return internal::MalformedRecord(what, entries);
}

std::vector<Label> CopyLabels(LabelViews views) {
  std::vector<Label> labels;
  labels.reserve(views.size());
  for (const auto& [name, value] : views) labels.push_back({std::string(name), std::string(value)});
  return labels;
}

}  // namespace

bool internal::ReadLabelViews(ByteReader& r,
                              std::vector<std::pair<std::string_view, std::string_view>>* out) {
  uint64_t n = r.Uvarint();
  // Each label takes at least two bytes: a count beyond that is corruption, not a reason
  // to reserve gigabytes.
  if (!r.ok() || n > r.remaining() / 2) return false;
  out->clear();
  out->reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view name = r.UvarintStr();
    std::string_view value = r.UvarintStr();
    if (!r.ok()) return false;
    out->emplace_back(name, value);
  }
  return true;
}

Error internal::MalformedRecord(const char* what, size_t entries) {
  return Error(std::string("malformed ") + what + " record after " + std::to_string(entries) +
               " entries");
}

Type RecordType(std::string_view rec) {
  if (rec.empty()) return Type::kUnknown;
  auto t = static_cast<uint8_t>(rec[0]);
  if (t >= 1 && t <= 8) return static_cast<Type>(t);
  return Type::kUnknown;
}

Status DecodeSeries(std::string_view rec, std::vector<RefSeries>* out) {
  return ForEachSeries(rec, [out](uint64_t ref, LabelViews labels) {
    out->push_back({ref, CopyLabels(labels)});
  });
}

Status DecodeSamples(std::string_view rec, std::vector<RefSample>* out) {
  // A sample takes at least 10 bytes (two one-byte varints and the value).
  out->reserve(out->size() + rec.size() / 10);
  return ForEachSample(rec, [out](uint64_t ref, int64_t t, uint64_t v_bits) {
    out->push_back(RefSample{ref, t, std::bit_cast<double>(v_bits)});
  });
}

bool AllSamplesBefore(std::string_view rec, int64_t t) {
  bool all_before = true;
  const Status s = ForEachSample(rec, [&](uint64_t, int64_t st, uint64_t) {
    all_before = st < t;
    return all_before;
  });
  return s.ok() && all_before;
}

Status DecodeTombstones(std::string_view rec, std::vector<Stone>* out) {
  auto r = Open(rec, Type::kTombstones, "tombstones");
  if (!r.ok()) return r.error();
  size_t n = 0;
  while (!r->empty()) {
    Stone s;
    s.ref = r->BE64();
    s.min_time = r->Varint();
    s.max_time = r->Varint();
    if (!r->ok()) return Malformed("tombstones", n);
    out->push_back(s);
    ++n;
  }
  return Status::Ok();
}

Status DecodeExemplars(std::string_view rec, std::vector<RefExemplar>* out) {
  auto r = Open(rec, Type::kExemplars, "exemplars");
  if (!r.ok()) return r.error();
  if (r->empty()) return Status::Ok();
  uint64_t base_ref = r->BE64();
  uint64_t base_t = r->BE64();
  if (!r->ok()) return Malformed("exemplars", 0);
  size_t n = 0;
  std::vector<std::pair<std::string_view, std::string_view>> labels;
  while (!r->empty()) {
    RefExemplar e;
    e.ref = base_ref + static_cast<uint64_t>(r->Varint());
    e.t = static_cast<int64_t>(base_t + static_cast<uint64_t>(r->Varint()));
    e.v = r->BE64Double();
    if (!r->ok() || !internal::ReadLabelViews(*r, &labels)) return Malformed("exemplars", n);
    e.labels = CopyLabels(labels);
    out->push_back(std::move(e));
    ++n;
  }
  return Status::Ok();
}

Status DecodeMmapMarkers(std::string_view rec, std::vector<RefMmapMarker>* out) {
  auto r = Open(rec, Type::kMmapMarkers, "mmap markers");
  if (!r.ok()) return r.error();
  size_t n = 0;
  while (!r->empty()) {
    RefMmapMarker m;
    m.ref = r->BE64();
    m.mmap_ref = r->BE64();
    if (!r->ok()) return Malformed("mmap markers", n);
    out->push_back(m);
    ++n;
  }
  return Status::Ok();
}

Status DecodeMetadata(std::string_view rec, std::vector<RefMetadata>* out) {
  auto r = Open(rec, Type::kMetadata, "metadata");
  if (!r.ok()) return r.error();
  size_t n = 0;
  while (!r->empty()) {
    RefMetadata m;
    m.ref = r->Uvarint();
    m.type = static_cast<MetricType>(r->Byte());
    uint64_t fields = r->Uvarint();
    if (!r->ok() || fields > r->remaining() / 2) return Malformed("metadata", n);
    for (uint64_t i = 0; i < fields; ++i) {
      std::string_view name = r->UvarintStr();
      std::string_view value = r->UvarintStr();
      if (name == "unit") {
        m.unit = value;
      } else if (name == "help") {
        m.help = value;
      }
    }
    if (!r->ok()) return Malformed("metadata", n);
    out->push_back(std::move(m));
    ++n;
  }
  return Status::Ok();
}

}  // namespace tsdbd::tsdb::record
