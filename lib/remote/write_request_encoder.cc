#include "lib/remote/write_request_encoder.h"

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>

namespace tsdbd::remote {

namespace {

// Tags: field number << 3 | wire type (0 varint, 1 fixed64, 2 length-delimited).
constexpr char kTagTimeseries = 0x0a;     // WriteRequest.timeseries = 1
constexpr char kTagMetadata = 0x1a;       // WriteRequest.metadata = 3
constexpr char kTagLabels = 0x0a;         // TimeSeries.labels = 1, Exemplar.labels = 1
constexpr char kTagSamples = 0x12;        // TimeSeries.samples = 2
constexpr char kTagExemplars = 0x1a;      // TimeSeries.exemplars = 3
constexpr char kTagName = 0x0a;           // Label.name = 1
constexpr char kTagValue = 0x12;          // Label.value = 2
constexpr char kTagSampleValue = 0x09;    // Sample.value = 1
constexpr char kTagSampleTs = 0x10;       // Sample.timestamp = 2
constexpr char kTagExemplarValue = 0x11;  // Exemplar.value = 2
constexpr char kTagExemplarTs = 0x18;     // Exemplar.timestamp = 3
constexpr char kTagMetaType = 0x08;       // MetricMetadata.type = 1
constexpr char kTagMetaFamily = 0x12;     // MetricMetadata.metric_family_name = 2
constexpr char kTagMetaHelp = 0x22;       // MetricMetadata.help = 4
constexpr char kTagMetaUnit = 0x2a;       // MetricMetadata.unit = 5

size_t VarintSize(uint64_t v) {
  return (std::bit_width(v | 1) + 6) / 7;
}

void PutVarint(std::string* out, uint64_t v) {
  char buf[10];
  size_t n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out->append(buf, n);
}

void PutFixed64(std::string* out, uint64_t bits) {
  char buf[8];
  std::memcpy(buf, &bits, 8);  // little-endian hosts only, as the rest of tsdbd
  out->append(buf, 8);
}

size_t StringFieldSize(std::string_view s) {
  return s.empty() ? 0 : 1 + VarintSize(s.size()) + s.size();
}

void PutStringField(std::string* out, char tag, std::string_view s) {
  if (s.empty()) return;
  out->push_back(tag);
  PutVarint(out, s.size());
  out->append(s);
}

size_t LabelSize(const LabelRef& l) {
  return StringFieldSize(l.name) + StringFieldSize(l.value);
}

size_t Fixed64FieldSize(double v) {
  return std::bit_cast<uint64_t>(v) != 0 ? 9 : 0;
}
size_t VarintFieldSize(int64_t v) {
  return v != 0 ? 1 + VarintSize(static_cast<uint64_t>(v)) : 0;
}

size_t SampleSize(const Sample& s) {
  return Fixed64FieldSize(s.value) + VarintFieldSize(s.timestamp_ms);
}

size_t NestedSize(size_t size) {
  return 1 + VarintSize(size) + size;
}

size_t LabelsSize(std::span<const LabelRef> labels) {
  size_t n = 0;
  for (const LabelRef& l : labels) n += NestedSize(LabelSize(l));
  return n;
}

void PutLabels(std::string* out, std::span<const LabelRef> labels) {
  for (const LabelRef& l : labels) {
    out->push_back(kTagLabels);
    PutVarint(out, LabelSize(l));
    PutStringField(out, kTagName, l.name);
    PutStringField(out, kTagValue, l.value);
  }
}

size_t ExemplarSize(const WriteRequest& r, const ExemplarRef& e) {
  return LabelsSize(r.labels(e)) + Fixed64FieldSize(e.value) + VarintFieldSize(e.timestamp_ms);
}

}  // namespace

void EncodeWriteRequest(const WriteRequest& request, std::string* out) {
  for (const SeriesRef& s : request.series()) {
    size_t size = LabelsSize(request.labels(s));
    for (const Sample& sample : request.samples(s)) size += NestedSize(SampleSize(sample));
    for (const ExemplarRef& e : request.exemplars(s)) {
      size += NestedSize(ExemplarSize(request, e));
    }
    out->push_back(kTagTimeseries);
    PutVarint(out, size);
    PutLabels(out, request.labels(s));
    for (const Sample& sample : request.samples(s)) {
      out->push_back(kTagSamples);
      PutVarint(out, SampleSize(sample));
      if (Fixed64FieldSize(sample.value) != 0) {
        out->push_back(kTagSampleValue);
        PutFixed64(out, std::bit_cast<uint64_t>(sample.value));
      }
      if (sample.timestamp_ms != 0) {
        out->push_back(kTagSampleTs);
        PutVarint(out, static_cast<uint64_t>(sample.timestamp_ms));
      }
    }
    for (const ExemplarRef& e : request.exemplars(s)) {
      out->push_back(kTagExemplars);
      PutVarint(out, ExemplarSize(request, e));
      PutLabels(out, request.labels(e));
      if (Fixed64FieldSize(e.value) != 0) {
        out->push_back(kTagExemplarValue);
        PutFixed64(out, std::bit_cast<uint64_t>(e.value));
      }
      if (e.timestamp_ms != 0) {
        out->push_back(kTagExemplarTs);
        PutVarint(out, static_cast<uint64_t>(e.timestamp_ms));
      }
    }
  }
  for (const MetadataRef& m : request.metadata()) {
    const auto type = static_cast<int64_t>(m.type);
    const size_t size = VarintFieldSize(type) + StringFieldSize(m.metric_family_name) +
                        StringFieldSize(m.help) + StringFieldSize(m.unit);
    out->push_back(kTagMetadata);
    PutVarint(out, size);
    if (type != 0) {
      out->push_back(kTagMetaType);
      PutVarint(out, static_cast<uint64_t>(type));  // negative enums take 10 bytes
    }
    PutStringField(out, kTagMetaFamily, m.metric_family_name);
    PutStringField(out, kTagMetaHelp, m.help);
    PutStringField(out, kTagMetaUnit, m.unit);
  }
}

std::string EncodeWriteRequest(const WriteRequest& request) {
  std::string out;
  EncodeWriteRequest(request, &out);
  return out;
}

}  // namespace tsdbd::remote
