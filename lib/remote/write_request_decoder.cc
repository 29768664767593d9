// The wire format is protobuf's (varints, tags of field number << 3 | wire type). The error
// semantics follow what Prometheus 2.42's decoder (gogo-protobuf generated code) answers,
// observed on the real binary: bounds are checked against the end of the enclosing message,
// a field number is the low 32 bits of tag >> 3, an unknown field may be a group, and so on.
#include "lib/remote/write_request_decoder.h"

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

#include "lib/remote/write_request.h"

namespace tsdbd::remote {

namespace {

enum class Fault {
  kNone,
  kEof,               // unexpected EOF
  kOverflow,          // a varint longer than 10 bytes
  kNegativeLength,    // a length with bit 63 set, or one that overflows the offset
  kEndOfGroup,        // an end-group without its start inside an unknown field
  kIllegalWireType,   // wire type 6 or 7 inside an unknown field
  kEndGroupNonGroup,  // an end-group tag where a field starts
  kIllegalTag,        // field number <= 0
  kWrongWireType,     // a known field with another wire type than its own
};

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

struct Field {
  uint64_t tag = 0;
  int32_t number = 0;
  uint32_t wire_type = 0;
  const uint8_t* start = nullptr;  // of the tag
};

}  // namespace

class WriteRequestDecoder {
 public:
  explicit WriteRequestDecoder(WriteRequest* out) : out_(out) {}

  bool Decode(std::string_view bytes) {
    const auto* b = reinterpret_cast<const uint8_t*>(bytes.data());
    return WriteRequestMessage(b, b + bytes.size());
  }

  std::string ErrorMessage() const {
    switch (fault_) {
      case Fault::kNone:
        return "";
      case Fault::kEof:
        return "unexpected EOF";
      case Fault::kOverflow:
        return "proto: integer overflow";
      case Fault::kNegativeLength:
        return "proto: negative length found during unmarshaling";
      case Fault::kEndOfGroup:
        return "proto: unexpected end of group";
      case Fault::kIllegalWireType:
        return "proto: illegal wireType " + std::to_string(number_);
      case Fault::kEndGroupNonGroup:
        return std::string("proto: ") + where_ + ": wiretype end group for non-group";
      case Fault::kIllegalTag:
        return std::string("proto: ") + where_ + ": illegal tag " + std::to_string(number_) +
               " (wire type " + std::to_string(tag_) + ")";
      case Fault::kWrongWireType:
        return "proto: wrong wireType = " + std::to_string(number_) + " for field " + where_;
    }
    return "";
  }

 private:
  bool Fail(Fault f) {
    fault_ = f;
    return false;
  }
  bool Fail(Fault f, const char* where, int64_t number, uint64_t tag = 0) {
    fault_ = f;
    where_ = where;
    number_ = number;
    tag_ = tag;
    return false;
  }

  bool Varint(const uint8_t*& p, const uint8_t* end, uint64_t* v) {
    if (p < end && *p < 0x80) [[likely]] {
      *v = *p++;
      return true;
    }
    uint64_t r = 0;
    for (unsigned shift = 0;; shift += 7) {
      if (shift >= 64) return Fail(Fault::kOverflow);
      if (p >= end) return Fail(Fault::kEof);
      const uint8_t byte = *p++;
      r |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (byte < 0x80) break;
    }
    *v = r;
    return true;
  }

  // The next field's tag; false at the end of the message (check fault_) or on error.
  bool NextField(const uint8_t*& p, const uint8_t* end, const char* message, Field* f) {
    if (p >= end) return false;
    f->start = p;
    if (!Varint(p, end, &f->tag)) return false;
    f->number = static_cast<int32_t>(static_cast<uint32_t>(f->tag >> 3));
    f->wire_type = static_cast<uint32_t>(f->tag & 7);
    if (f->wire_type == 4) return Fail(Fault::kEndGroupNonGroup, message, 0);
    if (f->number <= 0) return Fail(Fault::kIllegalTag, message, f->number, f->tag);
    return true;
  }

  bool Expect(const Field& f, uint32_t wire_type, const char* field) {
    if (f.wire_type != wire_type) [[unlikely]] {
      return Fail(Fault::kWrongWireType, field, f.wire_type);
    }
    return true;
  }

  bool VarintField(const Field& f, const char* field, const uint8_t*& p, const uint8_t* end,
                   uint64_t* v) {
    return Expect(f, 0, field) && Varint(p, end, v);
  }

  bool Fixed64(const uint8_t*& p, const uint8_t* end, uint64_t* bits) {
    if (end - p < 8) return Fail(Fault::kEof);
    std::memcpy(bits, p, 8);  // little-endian, as the wire
    p += 8;
    return true;
  }

  bool DoubleField(const Field& f, const char* field, const uint8_t*& p, const uint8_t* end,
                   double* v) {
    uint64_t bits;
    if (!Expect(f, 1, field) || !Fixed64(p, end, &bits)) return false;
    std::memcpy(v, &bits, 8);
    return true;
  }

  // A length prefix and the bytes it covers; `begin` is the enclosing message's start.
  bool Length(const uint8_t*& p, const uint8_t* begin, const uint8_t* end, const uint8_t** data,
              const uint8_t** data_end) {
    uint64_t len;
    if (!Varint(p, end, &len)) return false;
    if (len > static_cast<uint64_t>(kInt64Max - (p - begin))) return Fail(Fault::kNegativeLength);
    if (len > static_cast<uint64_t>(end - p)) return Fail(Fault::kEof);
    *data = p;
    p += len;
    *data_end = p;
    return true;
  }

  bool BytesField(const Field& f, const char* field, const uint8_t*& p, const uint8_t* begin,
                  const uint8_t* end, const uint8_t** data, const uint8_t** data_end) {
    return Expect(f, 2, field) && Length(p, begin, end, data, data_end);
  }

  bool StringField(const Field& f, const char* field, const uint8_t*& p, const uint8_t* begin,
                   const uint8_t* end, std::string_view* s) {
    const uint8_t *d, *de;
    if (!BytesField(f, field, p, begin, end, &d, &de)) return false;
    *s = std::string_view(reinterpret_cast<const char*>(d), static_cast<size_t>(de - d));
    return true;
  }

  // Skips an unknown field starting at f.start (its tag included); groups nest.
  bool Skip(const Field& f, const uint8_t*& p, const uint8_t* end) {
    const uint8_t* s = f.start;
    const int64_t l = end - s;
    int64_t i = 0;
    int depth = 0;
    auto varint = [&](uint64_t* v) {
      const uint8_t* q = s + i;
      if (!Varint(q, end, v)) return false;
      i = q - s;
      return true;
    };
    while (i < l) {
      uint64_t tag, v;
      if (!varint(&tag)) return false;
      switch (tag & 7) {
        case 0:
          if (!varint(&v)) return false;
          break;
        case 1:
          i += 8;
          break;
        case 2:
          if (!varint(&v)) return false;
          if (v > static_cast<uint64_t>(kInt64Max - i)) return Fail(Fault::kNegativeLength);
          i += static_cast<int64_t>(v);
          break;
        case 3:
          depth++;
          break;
        case 4:
          if (depth == 0) return Fail(Fault::kEndOfGroup);
          depth--;
          break;
        case 5:
          i += 4;
          break;
        default:
          return Fail(Fault::kIllegalWireType, "", static_cast<int64_t>(tag & 7));
      }
      if (depth == 0) {
        if (i > end - s) return Fail(Fault::kEof);
        p = s + i;
        return true;
      }
    }
    return Fail(Fault::kEof);
  }

  // A repeated scalar of wire type `element_wire_type` (0: varint, 1: fixed64), alone or
  // packed. Bounds of the packed elements are checked against the message's end.
  bool RepeatedScalar(const Field& f, const char* field, uint32_t element_wire_type,
                      const uint8_t*& p, const uint8_t* begin, const uint8_t* end) {
    uint64_t v;
    if (f.wire_type == element_wire_type) {
      return element_wire_type == 0 ? Varint(p, end, &v) : Fixed64(p, end, &v);
    }
    if (f.wire_type != 2) return Fail(Fault::kWrongWireType, field, f.wire_type);
    const uint8_t *d, *de;
    if (!Length(p, begin, end, &d, &de)) return false;
    p = d;
    while (p < de) {
      if (!(element_wire_type == 0 ? Varint(p, end, &v) : Fixed64(p, end, &v))) return false;
    }
    return true;
  }

  bool WriteRequestMessage(const uint8_t* b, const uint8_t* e) {
    const uint8_t* p = b;
    Field f;
    while (NextField(p, e, "WriteRequest", &f)) {
      const uint8_t *d, *de;
      switch (f.number) {
        case 1:
          if (!BytesField(f, "Timeseries", p, b, e, &d, &de) || !TimeSeriesMessage(d, de)) {
            return false;
          }
          break;
        case 3:
          if (!BytesField(f, "Metadata", p, b, e, &d, &de) || !MetadataMessage(d, de)) {
            return false;
          }
          break;
        default:
          if (!Skip(f, p, e)) return false;
      }
    }
    return fault_ == Fault::kNone;
  }

  bool TimeSeriesMessage(const uint8_t* b, const uint8_t* e) {
    SeriesRef s;
    s.labels_begin = static_cast<uint32_t>(out_->labels_.size());
    s.samples_begin = static_cast<uint32_t>(out_->samples_.size());
    s.exemplars_begin = static_cast<uint32_t>(out_->exemplars_.size());
    const uint8_t* p = b;
    Field f;
    while (NextField(p, e, "TimeSeries", &f)) {
      const uint8_t *d, *de;
      switch (f.number) {
        case 1: {
          if (!BytesField(f, "Labels", p, b, e, &d, &de)) return false;
          LabelRef& l = out_->labels_.emplace_back();
          if (!LabelMessage(d, de, &l)) return false;
          break;
        }
        case 2: {
          if (!BytesField(f, "Samples", p, b, e, &d, &de)) return false;
          Sample& sample = out_->samples_.emplace_back();
          if (!SampleMessage(d, de, &sample)) return false;
          break;
        }
        case 3:
          if (!BytesField(f, "Exemplars", p, b, e, &d, &de) || !ExemplarMessage(d, de)) {
            return false;
          }
          break;
        case 4:
          if (!BytesField(f, "Histograms", p, b, e, &d, &de) || !HistogramMessage(d, de)) {
            return false;
          }
          s.histograms_count++;
          out_->histograms_++;
          break;
        default:
          if (!Skip(f, p, e)) return false;
      }
    }
    if (fault_ != Fault::kNone) return false;
    s.labels_count = static_cast<uint32_t>(out_->labels_.size()) - s.labels_begin;
    s.samples_count = static_cast<uint32_t>(out_->samples_.size()) - s.samples_begin;
    s.exemplars_count = static_cast<uint32_t>(out_->exemplars_.size()) - s.exemplars_begin;
    out_->series_.push_back(s);
    return true;
  }

  bool LabelMessage(const uint8_t* b, const uint8_t* e, LabelRef* l) {
    const uint8_t* p = b;
    Field f;
    while (NextField(p, e, "Label", &f)) {
      switch (f.number) {
        case 1:
          if (!StringField(f, "Name", p, b, e, &l->name)) return false;
          break;
        case 2:
          if (!StringField(f, "Value", p, b, e, &l->value)) return false;
          break;
        default:
          if (!Skip(f, p, e)) return false;
      }
    }
    return fault_ == Fault::kNone;
  }

  bool SampleMessage(const uint8_t* b, const uint8_t* e, Sample* s) {
    // The common encoding first: value (tag 0x09) then timestamp (tag 0x10), nothing else.
    if (e - b >= 10 && b[0] == 0x09 && b[9] == 0x10) {
      const uint8_t* p = b + 10;
      uint64_t ts;
      if (p < e && Varint(p, e, &ts) && p == e) {
        std::memcpy(&s->value, b + 1, 8);
        s->timestamp_ms = static_cast<int64_t>(ts);
        return true;
      }
      if (fault_ != Fault::kNone) return false;
    }
    const uint8_t* p = b;
    Field f;
    while (NextField(p, e, "Sample", &f)) {
      uint64_t v;
      switch (f.number) {
        case 1:
          if (!DoubleField(f, "Value", p, e, &s->value)) return false;
          break;
        case 2:
          if (!VarintField(f, "Timestamp", p, e, &v)) return false;
          s->timestamp_ms = static_cast<int64_t>(v);
          break;
        default:
          if (!Skip(f, p, e)) return false;
      }
    }
    return fault_ == Fault::kNone;
  }

  bool ExemplarMessage(const uint8_t* b, const uint8_t* e) {
    ExemplarRef x;
    x.labels_begin = static_cast<uint32_t>(out_->exemplar_labels_.size());
    const uint8_t* p = b;
    Field f;
    while (NextField(p, e, "Exemplar", &f)) {
      const uint8_t *d, *de;
      uint64_t v;
      switch (f.number) {
        case 1: {
          if (!BytesField(f, "Labels", p, b, e, &d, &de)) return false;
          LabelRef& l = out_->exemplar_labels_.emplace_back();
          if (!LabelMessage(d, de, &l)) return false;
          break;
        }
        case 2:
          if (!DoubleField(f, "Value", p, e, &x.value)) return false;
          break;
        case 3:
          if (!VarintField(f, "Timestamp", p, e, &v)) return false;
          x.timestamp_ms = static_cast<int64_t>(v);
          break;
        default:
          if (!Skip(f, p, e)) return false;
      }
    }
    if (fault_ != Fault::kNone) return false;
    x.labels_count = static_cast<uint32_t>(out_->exemplar_labels_.size()) - x.labels_begin;
    out_->exemplars_.push_back(x);
    return true;
  }

  // Checked for well-formedness only (native histograms are not stored yet).
  bool HistogramMessage(const uint8_t* b, const uint8_t* e) {
    const uint8_t* p = b;
    Field f;
    while (NextField(p, e, "Histogram", &f)) {
      const uint8_t *d, *de;
      uint64_t v;
      double x;
      bool ok = true;
      switch (f.number) {
        case 1:
          ok = VarintField(f, "CountInt", p, e, &v);
          break;
        case 2:
          ok = DoubleField(f, "CountFloat", p, e, &x);
          break;
        case 3:
          ok = DoubleField(f, "Sum", p, e, &x);
          break;
        case 4:
          ok = VarintField(f, "Schema", p, e, &v);
          break;
        case 5:
          ok = DoubleField(f, "ZeroThreshold", p, e, &x);
          break;
        case 6:
          ok = VarintField(f, "ZeroCountInt", p, e, &v);
          break;
        case 7:
          ok = DoubleField(f, "ZeroCountFloat", p, e, &x);
          break;
        case 8:
          ok = BytesField(f, "NegativeSpans", p, b, e, &d, &de) && BucketSpanMessage(d, de);
          break;
        case 9:
          ok = RepeatedScalar(f, "NegativeDeltas", 0, p, b, e);
          break;
        case 10:
          ok = RepeatedScalar(f, "NegativeCounts", 1, p, b, e);
          break;
        case 11:
          ok = BytesField(f, "PositiveSpans", p, b, e, &d, &de) && BucketSpanMessage(d, de);
          break;
        case 12:
          ok = RepeatedScalar(f, "PositiveDeltas", 0, p, b, e);
          break;
        case 13:
          ok = RepeatedScalar(f, "PositiveCounts", 1, p, b, e);
          break;
        case 14:
          ok = VarintField(f, "ResetHint", p, e, &v);
          break;
        case 15:
          ok = VarintField(f, "Timestamp", p, e, &v);
          break;
        default:
          ok = Skip(f, p, e);
      }
      if (!ok) return false;
    }
    return fault_ == Fault::kNone;
  }

  bool BucketSpanMessage(const uint8_t* b, const uint8_t* e) {
    const uint8_t* p = b;
    Field f;
    while (NextField(p, e, "BucketSpan", &f)) {
      uint64_t v;
      bool ok = true;
      switch (f.number) {
        case 1:
          ok = VarintField(f, "Offset", p, e, &v);
          break;
        case 2:
          ok = VarintField(f, "Length", p, e, &v);
          break;
        default:
          ok = Skip(f, p, e);
      }
      if (!ok) return false;
    }
    return fault_ == Fault::kNone;
  }

  bool MetadataMessage(const uint8_t* b, const uint8_t* e) {
    MetadataRef m;
    const uint8_t* p = b;
    Field f;
    while (NextField(p, e, "MetricMetadata", &f)) {
      uint64_t v;
      bool ok = true;
      switch (f.number) {
        case 1:
          ok = VarintField(f, "Type", p, e, &v);
          m.type = static_cast<MetricType>(static_cast<int32_t>(v));
          break;
        case 2:
          ok = StringField(f, "MetricFamilyName", p, b, e, &m.metric_family_name);
          break;
        case 4:
          ok = StringField(f, "Help", p, b, e, &m.help);
          break;
        case 5:
          ok = StringField(f, "Unit", p, b, e, &m.unit);
          break;
        default:
          ok = Skip(f, p, e);
      }
      if (!ok) return false;
    }
    if (fault_ != Fault::kNone) return false;
    out_->metadata_.push_back(m);
    return true;
  }

  WriteRequest* out_;
  Fault fault_ = Fault::kNone;
  const char* where_ = "";  // message or field name of the fault
  int64_t number_ = 0;      // wire type or field number of the fault
  uint64_t tag_ = 0;        // whole tag of an illegal tag
};

Status DecodeWriteRequest(std::string_view bytes, WriteRequest* out) {
  out->Clear();
  WriteRequestDecoder decoder(out);
  if (!decoder.Decode(bytes)) return Error(decoder.ErrorMessage());
  return Status::Ok();
}

}  // namespace tsdbd::remote
