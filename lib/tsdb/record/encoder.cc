#include "lib/tsdb/record/encoder.h"

#include "lib/tsdb/record/byte_io.h"

namespace tsdbd::tsdb::record {
namespace {

void PutLabels(ByteWriter& w, const std::vector<Label>& labels) {
  w.PutUvarint(labels.size());
  for (const Label& l : labels) {
    w.PutUvarintStr(l.name);
    w.PutUvarintStr(l.value);
  }
}

}  // namespace

void EncodeSeries(std::span<const RefSeries> series, std::string* out) {
  ByteWriter w(out);
  w.PutByte(static_cast<uint8_t>(Type::kSeries));
  for (const RefSeries& s : series) {
    w.PutBE64(s.ref);
    PutLabels(w, s.labels);
  }
}

void EncodeSamples(std::span<const RefSample> samples, std::string* out) {
  ByteWriter w(out);
  w.PutByte(static_cast<uint8_t>(Type::kSamples));
  if (samples.empty()) return;
  out->reserve(out->size() + 16 + samples.size() * 14);
  const RefSample& first = samples.front();
  w.PutBE64(first.ref);
  w.PutBE64(static_cast<uint64_t>(first.t));
  for (const RefSample& s : samples) {
    // Wrapping subtraction: the decoder adds back modulo 2^64.
    w.PutVarint(static_cast<int64_t>(s.ref - first.ref));
    w.PutVarint(static_cast<int64_t>(static_cast<uint64_t>(s.t) - static_cast<uint64_t>(first.t)));
    w.PutBE64Double(s.v);
  }
}

void EncodeTombstones(std::span<const Stone> stones, std::string* out) {
  ByteWriter w(out);
  w.PutByte(static_cast<uint8_t>(Type::kTombstones));
  for (const Stone& s : stones) {
    w.PutBE64(s.ref);
    w.PutVarint(s.min_time);
    w.PutVarint(s.max_time);
  }
}

void EncodeExemplars(std::span<const RefExemplar> exemplars, std::string* out) {
  ByteWriter w(out);
  w.PutByte(static_cast<uint8_t>(Type::kExemplars));
  if (exemplars.empty()) return;
  const RefExemplar& first = exemplars.front();
  w.PutBE64(first.ref);
  w.PutBE64(static_cast<uint64_t>(first.t));
  for (const RefExemplar& e : exemplars) {
    w.PutVarint(static_cast<int64_t>(e.ref - first.ref));
    w.PutVarint(static_cast<int64_t>(static_cast<uint64_t>(e.t) - static_cast<uint64_t>(first.t)));
    w.PutBE64Double(e.v);
    PutLabels(w, e.labels);
  }
}

void EncodeMmapMarkers(std::span<const RefMmapMarker> markers, std::string* out) {
  ByteWriter w(out);
  w.PutByte(static_cast<uint8_t>(Type::kMmapMarkers));
  for (const RefMmapMarker& m : markers) {
    w.PutBE64(m.ref);
    w.PutBE64(m.mmap_ref);
  }
}

void EncodeMetadata(std::span<const RefMetadata> metadata, std::string* out) {
  ByteWriter w(out);
  w.PutByte(static_cast<uint8_t>(Type::kMetadata));
  for (const RefMetadata& m : metadata) {
    w.PutUvarint(m.ref);
    w.PutByte(static_cast<uint8_t>(m.type));
    w.PutUvarint(2);  // number of name/value fields that follow
    w.PutUvarintStr("unit");
    w.PutUvarintStr(m.unit);
    w.PutUvarintStr("help");
    w.PutUvarintStr(m.help);
  }
}

}  // namespace tsdbd::tsdb::record
