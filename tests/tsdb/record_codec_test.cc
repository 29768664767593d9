#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "fmt/format.h"
#include "lib/tsdb/record/byte_io.h"
#include "lib/tsdb/record/decoder.h"
#include "lib/tsdb/record/encoder.h"

namespace tsdbd::tsdb::record {
namespace {

std::string Hex(std::string_view s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (char c : s) {
    out += d[static_cast<uint8_t>(c) >> 4];
    out += d[static_cast<uint8_t>(c) & 15];
  }
  return out;
}

TEST(ByteIoTest, VarintsMatchGoEncoding) {
  std::string buf;
  ByteWriter w(&buf);
  w.PutUvarint(300);  // Go: ac 02
  w.PutVarint(-1);    // zig-zag 1: 01
  w.PutVarint(1);     // zig-zag 2: 02
  w.PutVarint(-64);   // zig-zag 127: 7f
  w.PutBE64(0x0102030405060708ull);
  EXPECT_EQ(Hex(buf), "ac0201027f0102030405060708");
  ByteReader r(buf);
  EXPECT_EQ(r.Uvarint(), 300u);
  EXPECT_EQ(r.Varint(), -1);
  EXPECT_EQ(r.Varint(), 1);
  EXPECT_EQ(r.Varint(), -64);
  EXPECT_EQ(r.BE64(), 0x0102030405060708ull);
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.empty());
}

TEST(ByteIoTest, ExtremeVarintsRoundTrip) {
  std::string buf;
  ByteWriter w(&buf);
  for (int64_t v :
       {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), int64_t{0}}) {
    w.PutVarint(v);
  }
  w.PutUvarint(std::numeric_limits<uint64_t>::max());
  ByteReader r(buf);
  EXPECT_EQ(r.Varint(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(r.Varint(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(r.Varint(), 0);
  EXPECT_EQ(r.Uvarint(), std::numeric_limits<uint64_t>::max());
  EXPECT_TRUE(r.ok());
}

TEST(ByteIoTest, TruncatedAndOverlongInputFail) {
  ByteReader a(std::string_view("\x80\x80", 2));
  a.Uvarint();
  EXPECT_FALSE(a.ok());
  ByteReader b(std::string_view("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 10));  // > 64 bits
  b.Uvarint();
  EXPECT_FALSE(b.ok());
  ByteReader c(std::string_view("\x01\x02\x03", 3));
  c.BE64();
  EXPECT_FALSE(c.ok());
  ByteReader d(
      std::string_view("\x05"
                       "ab",
                       3));
  d.UvarintStr();
  EXPECT_FALSE(d.ok());
}

TEST(RecordCodecTest, SeriesExactBytes) {
  std::vector<RefSeries> in = {{0x0102, {{"__name__", "up"}, {"job", "p"}}}};
  std::string rec;
  EncodeSeries(in, &rec);
  EXPECT_EQ(Hex(rec),
            "01"                  // type
            "0000000000000102"    // ref, 8 bytes big-endian
            "02"                  // label count
            "085f5f6e616d655f5f"  // "__name__"
            "027570"              // "up"
            "036a6f62"
            "0170");  // "job" "p"
  std::vector<RefSeries> out;
  ASSERT_TRUE(DecodeSeries(rec, &out).ok());
  EXPECT_EQ(out, in);
}

TEST(RecordCodecTest, SeriesRoundTripManyAndEmpty) {
  std::vector<RefSeries> in;
  for (uint64_t i = 0; i < 300; ++i) {
    in.push_back({i * 7 + 1, {{"__name__", fmt::format("m{}", i)}, {"i", std::string(i, 'x')}}});
  }
  in.push_back({999, {}});
  std::string rec = "prefix";
  EncodeSeries(in, &rec);
  ASSERT_EQ(rec.substr(0, 6), "prefix");  // appends, leaves the prefix alone
  std::vector<RefSeries> out;
  ASSERT_TRUE(DecodeSeries(std::string_view(rec).substr(6), &out).ok());
  EXPECT_EQ(out, in);

  std::string empty;
  EncodeSeries({}, &empty);
  EXPECT_EQ(empty, "\x01");
  out.clear();
  ASSERT_TRUE(DecodeSeries(empty, &out).ok());
  EXPECT_TRUE(out.empty());
}

TEST(RecordCodecTest, SamplesExactBytesAndNegativeDeltas) {
  std::vector<RefSample> in = {{10, 1000, 1.5}, {9, 999, -0.0}, {12, 1015, 2.0}};
  std::string rec;
  EncodeSamples(in, &rec);
  EXPECT_EQ(Hex(rec),
            "02"
            "000000000000000a"
            "00000000000003e8"  // base ref, base t
            "00"
            "00"
            "3ff8000000000000"  // +0, +0, 1.5
            "01"
            "01"
            "8000000000000000"  // -1, -1, -0.0
            "04"
            "1e"
            "4000000000000000");  // +2, +15, 2.0
  std::vector<RefSample> out;
  ASSERT_TRUE(DecodeSamples(rec, &out).ok());
  ASSERT_EQ(out.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(out[i].ref, in[i].ref);
    EXPECT_EQ(out[i].t, in[i].t);
    EXPECT_EQ(std::bit_cast<uint64_t>(out[i].v), std::bit_cast<uint64_t>(in[i].v));
  }
}

// The visitor sees what DecodeSamples returns, in order; on a malformed record it has seen the
// samples before the damage and fails with DecodeSamples's message.
TEST(RecordCodecTest, ForEachSampleVisitsInOrderAndFailsLikeDecodeSamples) {
  const std::vector<RefSample> in = {
      {7, 5000, 1.0}, {3, 4000, -2.0}, {400, 5000 + (int64_t{1} << 40), 3.0}, {7, -1, 4.0}};
  std::string rec;
  EncodeSamples(in, &rec);
  std::vector<RefSample> seen;
  auto visit = [&seen](uint64_t ref, int64_t t, uint64_t v_bits) {
    seen.push_back({ref, t, std::bit_cast<double>(v_bits)});
  };
  ASSERT_TRUE(ForEachSample(rec, visit).ok());
  ASSERT_EQ(seen.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(seen[i].ref, in[i].ref);
    EXPECT_EQ(seen[i].t, in[i].t);
    EXPECT_EQ(seen[i].v, in[i].v);
  }

  // Cut in the third sample's value (the last sample takes 1 + 2 + 8 bytes).
  const std::string cut = rec.substr(0, rec.size() - 11 - 3);
  seen.clear();
  const Status s = ForEachSample(cut, visit);
  std::vector<RefSample> decoded;
  const Status d = DecodeSamples(cut, &decoded);
  ASSERT_FALSE(s.ok());
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(s.message(), d.message());
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_FALSE(ForEachSample(std::string(1, '\x01'), visit).ok());  // a series record
}

// A visitor returning bool stops the decoding at its first false, and AllSamplesBefore holds
// only for a whole, well-formed samples record whose every sample is older than the bound.
TEST(RecordCodecTest, ForEachSampleStopsEarlyAndAllSamplesBeforeChecksEverySample) {
  const std::vector<RefSample> in = {{1, 5000, 1.0}, {2, 9000, 2.0}, {3, 4000, 3.0}};
  std::string rec;
  EncodeSamples(in, &rec);
  std::vector<uint64_t> refs;
  ASSERT_TRUE(ForEachSample(rec, [&refs](uint64_t ref, int64_t t, uint64_t) {
                refs.push_back(ref);
                return t < 9000;
              }).ok());
  EXPECT_EQ(refs, (std::vector<uint64_t>{1, 2}));

  EXPECT_TRUE(AllSamplesBefore(rec, 9001));
  EXPECT_FALSE(AllSamplesBefore(rec, 9000));  // the second sample is not before it
  EXPECT_FALSE(AllSamplesBefore(rec, 4000));
  EXPECT_FALSE(AllSamplesBefore(rec.substr(0, rec.size() - 3), 9001));  // malformed
  const std::vector<RefSeries> one = {{1, {{"a", "b"}}}};
  std::string series;
  EncodeSeries(one, &series);
  EXPECT_FALSE(AllSamplesBefore(series, 9001));
}

TEST(RecordCodecTest, SamplesKeepNaNBitsAndExtremes) {
  const double stale = std::bit_cast<double>(uint64_t{0x7ff0000000000002});
  std::vector<RefSample> in = {{std::numeric_limits<uint64_t>::max(), -5, stale},
                               {0, std::numeric_limits<int64_t>::max(), INFINITY},
                               {1ull << 63, std::numeric_limits<int64_t>::min(), -INFINITY}};
  std::string rec;
  EncodeSamples(in, &rec);
  std::vector<RefSample> out;
  ASSERT_TRUE(DecodeSamples(rec, &out).ok());
  ASSERT_EQ(out.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(out[i].ref, in[i].ref);
    EXPECT_EQ(out[i].t, in[i].t);
    EXPECT_EQ(std::bit_cast<uint64_t>(out[i].v), std::bit_cast<uint64_t>(in[i].v));
  }
  std::string empty;
  EncodeSamples({}, &empty);
  EXPECT_EQ(empty, "\x02");
  out.clear();
  EXPECT_TRUE(DecodeSamples(empty, &out).ok());
  EXPECT_TRUE(out.empty());
}

TEST(RecordCodecTest, TombstonesRoundTrip) {
  std::vector<Stone> in = {{1, -100, 200}, {5, 0, std::numeric_limits<int64_t>::max()}};
  std::string rec;
  EncodeTombstones(in, &rec);
  EXPECT_EQ(rec.size(), 1u + (8 + 2 + 2) + (8 + 1 + 10));
  std::vector<Stone> out;
  ASSERT_TRUE(DecodeTombstones(rec, &out).ok());
  EXPECT_EQ(out, in);
}

TEST(RecordCodecTest, ExemplarsRoundTrip) {
  std::vector<RefExemplar> in = {{3, 100, 0.25, {{"trace_id", "abc"}}}, {1, 90, 7, {}}};
  std::string rec;
  EncodeExemplars(in, &rec);
  std::vector<RefExemplar> out;
  ASSERT_TRUE(DecodeExemplars(rec, &out).ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].ref, 3u);
  EXPECT_EQ(out[0].t, 100);
  EXPECT_EQ(out[0].v, 0.25);
  EXPECT_EQ(out[0].labels, in[0].labels);
  EXPECT_EQ(out[1].ref, 1u);
  EXPECT_EQ(out[1].t, 90);
  EXPECT_TRUE(out[1].labels.empty());
}

TEST(RecordCodecTest, MetadataRoundTripAndUnknownFieldsSkipped) {
  std::vector<RefMetadata> in = {{300, MetricType::kCounter, "seconds", "Total time."},
                                 {1, MetricType::kGauge, "", ""}};
  std::string rec;
  EncodeMetadata(in, &rec);
  std::vector<RefMetadata> out;
  ASSERT_TRUE(DecodeMetadata(rec, &out).ok());
  EXPECT_EQ(out, in);

  // A record with an extra field a newer writer might add.
  std::string rec2;
  ByteWriter w(&rec2);
  w.PutByte(6);
  w.PutUvarint(7);
  w.PutByte(2);
  w.PutUvarint(3);
  w.PutUvarintStr("help");
  w.PutUvarintStr("h");
  w.PutUvarintStr("future");
  w.PutUvarintStr("x");
  w.PutUvarintStr("unit");
  w.PutUvarintStr("bytes");
  out.clear();
  ASSERT_TRUE(DecodeMetadata(rec2, &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], (RefMetadata{7, MetricType::kGauge, "bytes", "h"}));
}

TEST(RecordCodecTest, MmapMarkersRoundTrip) {
  std::vector<RefMmapMarker> in = {{1, 2}, {3, 0xFFFFFFFFFFull}};
  std::string rec;
  EncodeMmapMarkers(in, &rec);
  std::vector<RefMmapMarker> out;
  ASSERT_TRUE(DecodeMmapMarkers(rec, &out).ok());
  EXPECT_EQ(out, in);
}

TEST(RecordCodecTest, TypeByte) {
  EXPECT_EQ(RecordType(""), Type::kUnknown);
  EXPECT_EQ(RecordType("\x01"), Type::kSeries);
  EXPECT_EQ(RecordType("\x07"), Type::kHistogramSamples);
  EXPECT_EQ(RecordType("\x09"), Type::kUnknown);
  EXPECT_EQ(RecordType(std::string_view("\x00", 1)), Type::kUnknown);
}

TEST(RecordCodecTest, WrongTypeIsAnError) {
  std::string rec;
  EncodeSamples(std::vector<RefSample>{{1, 2, 3}}, &rec);
  std::vector<RefSeries> series;
  Status s = DecodeSeries(rec, &series);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("series"), std::string::npos);
}

TEST(RecordCodecTest, EveryTruncationOfEveryTypeFailsCleanly) {
  std::vector<std::string> recs(5);
  EncodeSeries(std::vector<RefSeries>{{1, {{"a", "b"}, {"c", "dd"}}}}, &recs[0]);
  EncodeSamples(std::vector<RefSample>{{1, 2, 3}}, &recs[1]);
  EncodeTombstones(std::vector<Stone>{{1, 2, 3}}, &recs[2]);
  EncodeExemplars(std::vector<RefExemplar>{{1, 2, 3, {{"a", "b"}}}}, &recs[3]);
  EncodeMetadata(std::vector<RefMetadata>{{1, MetricType::kSummary, "u", "h"}}, &recs[4]);
  for (const std::string& full : recs) {
    for (size_t n = 2; n < full.size(); ++n) {
      std::string_view cut(full.data(), n);
      // Base ref and timestamp with no entries is a valid, empty record.
      const bool has_base =
          RecordType(cut) == Type::kSamples || RecordType(cut) == Type::kExemplars;
      if (has_base && n == 17) continue;
      std::vector<RefSeries> a;
      std::vector<RefSample> b;
      std::vector<Stone> c;
      std::vector<RefExemplar> d;
      std::vector<RefMetadata> e;
      Status s;
      switch (RecordType(cut)) {
        case Type::kSeries:
          s = DecodeSeries(cut, &a);
          break;
        case Type::kSamples:
          s = DecodeSamples(cut, &b);
          break;
        case Type::kTombstones:
          s = DecodeTombstones(cut, &c);
          break;
        case Type::kExemplars:
          s = DecodeExemplars(cut, &d);
          break;
        case Type::kMetadata:
          s = DecodeMetadata(cut, &e);
          break;
        default:
          FAIL();
      }
      EXPECT_FALSE(s.ok()) << "type " << int(cut[0]) << " cut at " << n;
    }
  }
}

TEST(RecordCodecTest, HugeLabelCountIsRejectedWithoutAllocating) {
  std::string rec;
  ByteWriter w(&rec);
  w.PutByte(1);
  w.PutBE64(1);
  w.PutUvarint(uint64_t{1} << 60);
  std::vector<RefSeries> out;
  EXPECT_FALSE(DecodeSeries(rec, &out).ok());
}

}  // namespace
}  // namespace tsdbd::tsdb::record
