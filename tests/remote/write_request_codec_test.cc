#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "lib/remote/proto/remote.pb.h"
#include "lib/remote/write_request.h"
#include "lib/remote/write_request_decoder.h"
#include "lib/remote/write_request_encoder.h"
#include "tests/remote/proto_bytes.h"

namespace tsdbd::remote {
namespace {

using namespace tsdbd::remote::testing;  // NOLINT

std::vector<LabelRef> L(std::initializer_list<LabelRef> l) {
  return l;
}

WriteRequest Example() {
  WriteRequest r;
  r.AddSeries(L({{"__name__", "up"}, {"instance", "a:9100"}, {"job", "node"}}),
              std::vector<Sample>{{1, 1700000000000}, {0, 1700000015000}});
  r.AddExemplar(L({{"trace_id", "abc"}}), 0.5, 1700000000001);
  r.AddSeries(L({{"__name__", "x"}}),
              std::vector<Sample>{{std::numeric_limits<double>::quiet_NaN(), -5},
                                  {-0.0, 0},
                                  {std::bit_cast<double>(uint64_t{0x7ff0000000000002}), 7}});
  r.AddSeries(L({{"__name__", "no_samples"}, {"empty", ""}}), {});
  r.mutable_metadata().push_back({MetricType::kCounter, "http_requests_total", "Requests.", ""});
  r.mutable_metadata().push_back({MetricType::kGauge, "", "", "seconds"});
  return r;
}

void ExpectSame(const WriteRequest& a, const WriteRequest& b) {
  ASSERT_EQ(a.series().size(), b.series().size());
  for (size_t i = 0; i < a.series().size(); ++i) {
    const SeriesRef &sa = a.series()[i], &sb = b.series()[i];
    ASSERT_EQ(std::vector<LabelRef>(a.labels(sa).begin(), a.labels(sa).end()),
              std::vector<LabelRef>(b.labels(sb).begin(), b.labels(sb).end()));
    ASSERT_EQ(a.samples(sa).size(), b.samples(sb).size());
    for (size_t j = 0; j < a.samples(sa).size(); ++j) {
      EXPECT_EQ(std::bit_cast<uint64_t>(a.samples(sa)[j].value),
                std::bit_cast<uint64_t>(b.samples(sb)[j].value));
      EXPECT_EQ(a.samples(sa)[j].timestamp_ms, b.samples(sb)[j].timestamp_ms);
    }
    ASSERT_EQ(a.exemplars(sa).size(), b.exemplars(sb).size());
    for (size_t j = 0; j < a.exemplars(sa).size(); ++j) {
      const ExemplarRef &ea = a.exemplars(sa)[j], &eb = b.exemplars(sb)[j];
      EXPECT_EQ(ea.value, eb.value);
      EXPECT_EQ(ea.timestamp_ms, eb.timestamp_ms);
      EXPECT_EQ(std::vector<LabelRef>(a.labels(ea).begin(), a.labels(ea).end()),
                std::vector<LabelRef>(b.labels(eb).begin(), b.labels(eb).end()));
    }
  }
  ASSERT_EQ(a.metadata().size(), b.metadata().size());
  for (size_t i = 0; i < a.metadata().size(); ++i) {
    EXPECT_EQ(a.metadata()[i].type, b.metadata()[i].type);
    EXPECT_EQ(a.metadata()[i].metric_family_name, b.metadata()[i].metric_family_name);
    EXPECT_EQ(a.metadata()[i].help, b.metadata()[i].help);
    EXPECT_EQ(a.metadata()[i].unit, b.metadata()[i].unit);
  }
}

std::string DecodeError(std::string_view bytes) {
  WriteRequest r;
  Status s = DecodeWriteRequest(bytes, &r);
  return s ? "ok" : s.message();
}

TEST(WriteRequestCodecTest, RoundTripKeepsEverythingBitExact) {
  const WriteRequest in = Example();
  const std::string bytes = EncodeWriteRequest(in);
  WriteRequest out;
  ASSERT_TRUE(DecodeWriteRequest(bytes, &out));
  // Empty label values are proto3 defaults: they come back as empty strings all the same.
  ExpectSame(in, out);
  EXPECT_EQ(out.total_samples(), 5u);
  EXPECT_EQ(out.total_exemplars(), 1u);
  // Decoding again into the same object starts from scratch.
  ASSERT_TRUE(DecodeWriteRequest(bytes, &out));
  ExpectSame(in, out);
  ASSERT_TRUE(DecodeWriteRequest("", &out));
  EXPECT_TRUE(out.series().empty());
  EXPECT_TRUE(out.metadata().empty());
}

TEST(WriteRequestCodecTest, AgreesWithProtobufsGeneratedClasses) {
  const WriteRequest in = Example();
  const std::string ours = EncodeWriteRequest(in);
  prometheus::WriteRequest pb;
  ASSERT_TRUE(pb.ParseFromString(ours));
  ASSERT_EQ(pb.timeseries_size(), 3);
  EXPECT_EQ(pb.timeseries(0).labels(1).name(), "instance");
  EXPECT_EQ(pb.timeseries(0).samples(1).timestamp(), 1700000015000);
  EXPECT_EQ(pb.timeseries(0).exemplars(0).labels(0).value(), "abc");
  EXPECT_TRUE(std::signbit(pb.timeseries(1).samples(1).value()));
  EXPECT_EQ(pb.metadata(0).type(), prometheus::MetricMetadata::COUNTER);
  EXPECT_EQ(pb.metadata(1).unit(), "seconds");
  // Protobuf writes the same bytes for the same message (field order, defaults left out).
  std::string theirs;
  ASSERT_TRUE(pb.SerializeToString(&theirs));
  EXPECT_EQ(theirs, ours);

  // And what protobuf writes, we read.
  prometheus::WriteRequest p2;
  auto* ts = p2.add_timeseries();
  auto* l = ts->add_labels();
  l->set_name("__name__");
  l->set_value("m");
  auto* s = ts->add_samples();
  s->set_value(2.5);
  s->set_timestamp(-1);
  auto* h = ts->add_histograms();
  h->set_count_int(3);
  h->add_positive_deltas(1);
  h->add_positive_deltas(-1);
  h->add_positive_spans()->set_length(2);
  ts->add_histograms()->set_count_float(1.5);
  WriteRequest out;
  const std::string p2_bytes = p2.SerializeAsString();  // out views into it
  ASSERT_TRUE(DecodeWriteRequest(p2_bytes, &out));
  ASSERT_EQ(out.series().size(), 1u);
  EXPECT_EQ(out.labels(out.series()[0])[0].value, "m");
  EXPECT_EQ(out.samples(out.series()[0])[0].timestamp_ms, -1);
  EXPECT_EQ(out.samples(out.series()[0])[0].value, 2.5);
  EXPECT_EQ(out.series()[0].histograms_count, 2u);
  EXPECT_EQ(out.total_histograms(), 2u);
}

TEST(WriteRequestCodecTest, UnknownFieldsAreSkippedOfEveryWireType) {
  const std::string unknown =
      Cat({VarintField(9, 300), DoubleField(10, 1), LenField(11, "xyz"), Tag(12, 5) + "abcd",
           Tag(13, 3) + VarintField(1, 1) + LenField(2, "in group") + Tag(13, 4),
           Tag(536870911, 0) + Varint(1)});
  const std::string label = LabelMsg("__name__", "m") + unknown;
  const std::string sample = unknown + SampleMsg(4, 5) + unknown;
  const std::string series = Cat({unknown, LenField(1, label), unknown, LenField(2, sample),
                                  LenField(3, unknown + DoubleField(2, 9))});
  const std::string body = Cat({unknown, LenField(2, "reserved field 2"), SeriesField(series),
                                unknown, LenField(3, unknown + LenField(2, "fam"))});
  WriteRequest r;
  ASSERT_TRUE(DecodeWriteRequest(body, &r)) << DecodeError(body);
  ASSERT_EQ(r.series().size(), 1u);
  const SeriesRef& s = r.series()[0];
  ASSERT_EQ(r.labels(s).size(), 1u);
  EXPECT_EQ(r.labels(s)[0].name, "__name__");
  EXPECT_EQ(r.labels(s)[0].value, "m");
  ASSERT_EQ(r.samples(s).size(), 1u);
  EXPECT_EQ(r.samples(s)[0].value, 4);
  EXPECT_EQ(r.samples(s)[0].timestamp_ms, 5);
  ASSERT_EQ(r.exemplars(s).size(), 1u);
  EXPECT_EQ(r.exemplars(s)[0].value, 9);
  ASSERT_EQ(r.metadata().size(), 1u);
  EXPECT_EQ(r.metadata()[0].metric_family_name, "fam");
}

TEST(WriteRequestCodecTest, FieldsInAnyOrderLastScalarWinsZeroLengthIsDefault) {
  // Label with value before name, each given twice; sample timestamp before value.
  const std::string label =
      Cat({LenField(2, "v1"), LenField(1, "n1"), LenField(2, "v2"), LenField(1, "n2")});
  const std::string sample = Cat({VarintField(2, 7), DoubleField(1, 1), DoubleField(1, 2)});
  const std::string series =
      Cat({LenField(2, sample), LenField(1, label), LenField(2, ""), LenField(1, "")});
  WriteRequest r;
  const std::string body = SeriesField(series) + SeriesField("");
  ASSERT_TRUE(DecodeWriteRequest(body, &r));
  ASSERT_EQ(r.series().size(), 2u);
  const SeriesRef& s = r.series()[0];
  ASSERT_EQ(r.labels(s).size(), 2u);
  EXPECT_EQ(r.labels(s)[0], (LabelRef{"n2", "v2"}));
  EXPECT_EQ(r.labels(s)[1], (LabelRef{"", ""}));
  ASSERT_EQ(r.samples(s).size(), 2u);
  EXPECT_EQ(r.samples(s)[0].value, 2);
  EXPECT_EQ(r.samples(s)[0].timestamp_ms, 7);
  EXPECT_EQ(r.samples(s)[1].value, 0);
  EXPECT_EQ(r.samples(s)[1].timestamp_ms, 0);
  EXPECT_EQ(r.series()[1].labels_count, 0u);
}

TEST(WriteRequestCodecTest, HistogramScalarsMayBePackedOrNot) {
  const std::string packed =
      Cat({LenField(9, Varint(1) + Varint(3) + Varint(300)),
           LenField(10, Fixed64Bits(1) + Fixed64Bits(2)), LenField(12, ""), LenField(13, "")});
  const std::string unpacked =
      Cat({VarintField(9, 1), VarintField(9, 3), Tag(10, 1) + Fixed64Bits(0), VarintField(12, 2),
           Tag(13, 1) + Fixed64Bits(5)});
  const std::string other =
      Cat({VarintField(1, 3), DoubleField(2, 1), DoubleField(3, 1), VarintField(4, 5),
           DoubleField(5, 1), VarintField(6, 1), DoubleField(7, 1),
           LenField(8, VarintField(1, 3) + VarintField(2, 4)), LenField(11, ""), VarintField(14, 2),
           VarintField(15, 99)});
  for (const std::string& h : {packed, unpacked, other, std::string()}) {
    WriteRequest r;
    const std::string body = SeriesField(LenField(4, h));
    ASSERT_TRUE(DecodeWriteRequest(body, &r)) << DecodeError(body);
    EXPECT_EQ(r.total_histograms(), 1u);
  }
}

// Each case was sent to Prometheus 2.42's /api/v1/write; `want` is the text it answered.
struct MalformedCase {
  std::string bytes;
  std::string want;
};

TEST(WriteRequestCodecTest, MalformedBytesGetPrometheussWording) {
  const std::vector<MalformedCase> cases = {
      {"\x0a\x05\x0a\x03", "unexpected EOF"},
      {"\x0b", "proto: wrong wireType = 3 for field Timeseries"},
      {"\x0f", "proto: wrong wireType = 7 for field Timeseries"},
      {"\x26", "proto: illegal wireType 6"},
      {"\x24", "proto: WriteRequest: wiretype end group for non-group"},
      {std::string("\x00\x01", 2), "proto: WriteRequest: illegal tag 0 (wire type 0)"},
      {std::string("\x02\x00", 2), "proto: WriteRequest: illegal tag 0 (wire type 2)"},
      {"\x0a\x02\x08\x01", "proto: wrong wireType = 0 for field Labels"},
      {"\x0a\x04\x12\x02\x08\x01", "proto: wrong wireType = 0 for field Value"},
      {"\x10\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", "proto: integer overflow"},
      {"\x0a\xff\xff\xff\xff\xff\xff\xff\xff\x7f",
       "proto: negative length found during unmarshaling"},
      {"\x0a\xff\xff\xff\x0f", "unexpected EOF"},
      {std::string("\x0a\x02\x00\x00", 4), "proto: TimeSeries: illegal tag 0 (wire type 0)"},
      {"\x23\x08\x01", "unexpected EOF"},
      {"\x0a\x01\x24", "proto: TimeSeries: wiretype end group for non-group"},
      {"\x29\x01\x02", "unexpected EOF"},
      {"\x0a\x05\x12\x03\x09\x01\x02", "unexpected EOF"},
      {std::string("\x0a\x04\x22\x02\x4d\x00", 6),
       "proto: wrong wireType = 5 for field NegativeDeltas"},
      {std::string("\x0a\x04\x22\x02\x22\x00", 6), "proto: wrong wireType = 2 for field Schema"},
      {"\x1a\x02\x08\xff", "unexpected EOF"},
      {std::string("\x1a\x02\x0a\x00", 4), "proto: wrong wireType = 2 for field Type"},
      {"\x0a\x06\x1a\x04\x0a\x02\x08\x01", "proto: wrong wireType = 0 for field Name"},
      {std::string("\x0a\x06\x22\x04\x42\x02\x0a\x00", 8),
       "proto: wrong wireType = 2 for field Offset"},
      {"\x0a\x0e\x12\x0c\x10\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01",
       "proto: integer overflow"},
      // Accepted by Prometheus 2.42 as well.
      {std::string("\xf8\xff\xff\xff\x0f\x00", 6), "ok"},
      {std::string("\x80\x80\x80\x80\x01\x00", 6), "ok"},
      {"\x23\x08\x01\x24", "ok"},
      {std::string("\x0a\x00", 2), "ok"},
      {"\x12\x03"
       "abc",
       "ok"},
  };
  for (const MalformedCase& c : cases) {
    EXPECT_EQ(DecodeError(c.bytes), c.want) << ::testing::PrintToString(c.bytes);
  }
}

TEST(WriteRequestCodecTest, UnknownGroupsNestAndMustClose) {
  EXPECT_EQ(DecodeError(Tag(5, 3) + Tag(6, 3) + Tag(6, 4) + Tag(5, 4)), "ok");
  EXPECT_EQ(DecodeError(Tag(5, 3) + Tag(6, 3) + Tag(6, 4)), "unexpected EOF");
  EXPECT_EQ(DecodeError(Tag(5, 3) + Tag(6, 7) + Tag(5, 4)), "proto: illegal wireType 7");
  EXPECT_EQ(DecodeError(Tag(5, 3) + Tag(6, 1) + "1234567"), "unexpected EOF");
}

TEST(WriteRequestCodecTest, HugeLengthsAreRejectedWithoutAllocating) {
  // A length of 2^62 (and others beyond the body) in a 12-byte body; nothing in the decoder
  // reserves by a declared length, so this costs no memory.
  for (uint64_t len : {uint64_t{1} << 62, uint64_t{1} << 32, uint64_t{0xffffffff}, uint64_t{7}}) {
    EXPECT_EQ(DecodeError(Tag(1, 2) + Varint(len) + "abc"), "unexpected EOF") << len;
    EXPECT_EQ(DecodeError(SeriesField(Tag(1, 2) + Varint(len))), "unexpected EOF") << len;
    EXPECT_EQ(DecodeError(Tag(9, 2) + Varint(len)), "unexpected EOF") << len;
  }
  EXPECT_EQ(DecodeError(Tag(1, 2) + Varint(uint64_t{1} << 63)),
            "proto: negative length found during unmarshaling");
  EXPECT_EQ(DecodeError(Tag(9, 2) + Varint(~uint64_t{0})),
            "proto: negative length found during unmarshaling");
  // Packed histogram elements beyond the message end.
  EXPECT_EQ(DecodeError(SeriesField(LenField(4, Tag(10, 2) + Varint(1u << 30)))), "unexpected EOF");
}

TEST(WriteRequestCodecTest, EveryTruncationIsAnErrorOrAShorterValidRequest) {
  const std::string bytes = EncodeWriteRequest(Example());
  WriteRequest full;
  ASSERT_TRUE(DecodeWriteRequest(bytes, &full));
  // Cutting inside a top-level field always fails; cutting at a field boundary is a
  // well-formed shorter request (protobuf has no end marker).
  std::vector<size_t> boundaries = {0};
  {
    size_t p = 0;
    while (p < bytes.size()) {
      const uint8_t* b = reinterpret_cast<const uint8_t*>(bytes.data()) + p + 1;
      uint64_t len = 0;
      int shift = 0, n = 0;
      while (true) {
        len |= static_cast<uint64_t>(b[n] & 0x7f) << shift;
        shift += 7;
        if (b[n++] < 0x80) break;
      }
      p += 1 + n + len;
      boundaries.push_back(p);
    }
  }
  for (size_t n = 0; n < bytes.size(); ++n) {
    WriteRequest r;
    const bool at_boundary = std::find(boundaries.begin(), boundaries.end(), n) != boundaries.end();
    Status s = DecodeWriteRequest(std::string_view(bytes).substr(0, n), &r);
    EXPECT_EQ(static_cast<bool>(s), at_boundary) << n << ": " << s.message();
  }
}

TEST(WriteRequestCodecTest, StringsAreViewsIntoTheInput) {
  const std::string bytes = EncodeWriteRequest(Example());
  WriteRequest r;
  ASSERT_TRUE(DecodeWriteRequest(bytes, &r));
  const std::string_view name = r.labels(r.series()[0])[0].name;
  EXPECT_GE(name.data(), bytes.data());
  EXPECT_LE(name.data() + name.size(), bytes.data() + bytes.size());
}

}  // namespace
}  // namespace tsdbd::remote
