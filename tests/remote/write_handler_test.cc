#include "lib/remote/write_handler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "lib/remote/snappy_block.h"
#include "lib/remote/write_request_encoder.h"
#include "tests/remote/fake_appendable.h"
#include "tests/remote/proto_bytes.h"

namespace tsdbd::remote {
namespace {

using namespace tsdbd::remote::testing;  // NOLINT
using storage::AppendStatus;

std::string Body(const WriteRequest& r) {
  return SnappyCompress(EncodeWriteRequest(r));
}

WriteOutcome Handle(std::string_view body, FakeAppendable& db) {
  return HandleWrite(body, "snappy", "application/x-protobuf", db);
}

WriteRequest TwoSeries() {
  WriteRequest r;
  r.AddSeries(std::vector<LabelRef>{{"__name__", "a"}, {"job", "j"}},
              std::vector<Sample>{{1, 1000}, {2, 2000}});
  r.AddExemplar(std::vector<LabelRef>{{"trace_id", "t"}}, 1, 1000);
  r.AddSeries(std::vector<LabelRef>{{"__name__", "b"}}, std::vector<Sample>{{3, 1000}});
  r.mutable_metadata().push_back({MetricType::kGauge, "b", "help", ""});
  return r;
}

TEST(WriteHandlerTest, ValidRequestIsAppendedInOneBatchAndAnswers204) {
  FakeAppendable db;
  const WriteOutcome o = Handle(Body(TwoSeries()), db);
  EXPECT_EQ(o.status, 204);
  EXPECT_EQ(o.body, "");
  EXPECT_EQ(o.series, 2u);
  EXPECT_EQ(o.samples_appended, 3u);
  EXPECT_EQ(o.exemplars_skipped, 1u);
  EXPECT_EQ(o.metadata, 1u);
  EXPECT_EQ(db.appenders, 1);
  EXPECT_EQ(db.commits, 1);
  EXPECT_EQ(db.rollbacks, 0);
  ASSERT_EQ(db.committed.size(), 3u);
  EXPECT_EQ(db.committed[0].labels, R"({__name__="a", job="j"})");
  EXPECT_EQ(db.committed[0].ref, 0u);
  EXPECT_NE(db.committed[1].ref, 0u);  // the second sample of a series reuses its ref
  EXPECT_EQ(db.committed[1].t, 2000);
  EXPECT_EQ(db.committed[2].labels, R"({__name__="b"})");
  EXPECT_EQ(db.committed[2].ref, 0u);
}

TEST(WriteHandlerTest, HeadersAreNotLookedAtAsInPrometheus242) {
  FakeAppendable db;
  EXPECT_EQ(HandleWrite(Body(TwoSeries()), "gzip", "text/plain", db).status, 204);
  EXPECT_EQ(HandleWrite(Body(TwoSeries()), "", "", db).status, 204);
}

TEST(WriteHandlerTest, EmptyRequestCommitsNothing) {
  FakeAppendable db;
  const WriteOutcome o = Handle(SnappyCompress(""), db);
  EXPECT_EQ(o.status, 204);
  EXPECT_EQ(db.commits, 1);
  EXPECT_TRUE(db.committed.empty());
}

TEST(WriteHandlerTest, MalformedSnappyIs400AndTouchesNoStorage) {
  FakeAppendable db;
  for (std::string_view body : {std::string_view(""), std::string_view("hello")}) {
    const WriteOutcome o = Handle(body, db);
    EXPECT_EQ(o.status, 400);
    EXPECT_EQ(o.body, "snappy: corrupt input\n");
  }
  EXPECT_EQ(db.appenders, 0);
}

TEST(WriteHandlerTest, OversizedBodyIs400) {
  FakeAppendable db;
  WriteOptions options;
  options.max_decoded_bytes = 10;
  const WriteOutcome o = HandleWrite(Body(TwoSeries()), "snappy", "", db, options);
  EXPECT_EQ(o.status, 400);
  EXPECT_EQ(o.body, "snappy: decoded block is too large\n");
  EXPECT_EQ(db.appenders, 0);
}

TEST(WriteHandlerTest, MalformedProtobufAppendsNothingAtAnyTruncation) {
  const std::string bytes = EncodeWriteRequest(TwoSeries());
  FakeAppendable db;
  int failures = 0;
  for (size_t n = 0; n < bytes.size(); ++n) {
    const WriteOutcome o = Handle(SnappyCompress(bytes.substr(0, n)), db);
    if (o.status == 400) {
      failures++;
      EXPECT_EQ(o.body, "unexpected EOF\n") << n;
    } else {
      EXPECT_EQ(o.status, 204) << n;  // cut between two top-level fields
    }
  }
  EXPECT_GT(failures, 0);
  EXPECT_EQ(db.rollbacks, 0);
  // Only the requests cut at a boundary reached the storage.
  EXPECT_EQ(db.appenders, static_cast<int>(bytes.size()) - failures);
  const WriteOutcome o = Handle(SnappyCompress("\x0a\x02\x08\x01"), db);
  EXPECT_EQ(o.status, 400);
  EXPECT_EQ(o.body, "proto: wrong wireType = 0 for field Labels\n");
}

TEST(WriteHandlerTest, RefusedSampleRollsTheWholeRequestBackWith400) {
  struct Case {
    AppendStatus status;
    std::string body;
  };
  for (const Case& c : {Case{AppendStatus::kOutOfOrder, "out of order sample\n"},
                        Case{AppendStatus::kDuplicateTimestamp, "duplicate sample for timestamp\n"},
                        Case{AppendStatus::kOutOfBounds, "out of bounds\n"}}) {
    FakeAppendable db;
    db.refuse[{R"({__name__="a", job="j"})", 2000}] = c.status;
    const WriteOutcome o = Handle(Body(TwoSeries()), db);
    EXPECT_EQ(o.status, 400);
    EXPECT_EQ(o.body, c.body);
    EXPECT_EQ(db.commits, 0);
    EXPECT_EQ(db.rollbacks, 1);
    EXPECT_TRUE(db.committed.empty());
    // It stopped at the refused sample: series b was never tried.
    ASSERT_EQ(db.appended.size(), 1u);
    EXPECT_EQ(db.appended[0].t, 1000);
  }
}

TEST(WriteHandlerTest, CommitFailureIs500) {
  FakeAppendable db;
  db.commit_status = Error("disk full");
  const WriteOutcome o = Handle(Body(TwoSeries()), db);
  EXPECT_EQ(o.status, 500);
  EXPECT_EQ(o.body, "disk full\n");
  EXPECT_EQ(o.samples_appended, 0u);
}

WriteRequest OneSeries(std::vector<LabelRef> labels, int64_t t = 1000) {
  WriteRequest r;
  r.AddSeries(std::vector<LabelRef>{{"__name__", "ok"}}, std::vector<Sample>{{1, 1000}});
  r.AddSeries(labels, std::vector<Sample>{{1, t}});
  return r;
}

TEST(WriteHandlerTest, LabelsAreSortedAndEmptyValuesDropped) {
  FakeAppendable db;
  const WriteOutcome o = Handle(
      Body(OneSeries({{"z", "1"}, {"__name__", "m"}, {"e", ""}, {"a-b", "x"}, {"", "v"}})), db);
  ASSERT_EQ(o.status, 204) << o.body;
  ASSERT_EQ(db.committed.size(), 2u);
  EXPECT_EQ(db.committed[1].labels, R"({="v", __name__="m", a-b="x", z="1"})");
  // A series without __name__ is accepted (as Prometheus 2.42).
  EXPECT_EQ(Handle(Body(OneSeries({{"a", "v"}})), db).status, 204);
}

TEST(WriteHandlerTest, InvalidLabelSetsAre500AsInPrometheus242) {
  struct Case {
    std::vector<LabelRef> labels;
    std::string body;
  };
  const std::vector<Case> cases = {
      {{}, "empty labelset: invalid sample\n"},
      {{{"a", ""}}, "empty labelset: invalid sample\n"},
      {{{"__name__", "m"}, {"a", "1"}, {"a", "2"}},
       "label name \"a\" is not unique: invalid sample\n"},
      {{{"__name__", "m"}, {"b", "1"}, {"b", "2"}, {"a", "3"}, {"a", "3"}},
       "label name \"a\" is not unique: invalid sample\n"},
  };
  for (const Case& c : cases) {
    FakeAppendable db;
    const WriteOutcome o = Handle(Body(OneSeries(c.labels)), db);
    EXPECT_EQ(o.status, 500);
    EXPECT_EQ(o.body, c.body);
    EXPECT_EQ(db.rollbacks, 1);
    EXPECT_TRUE(db.committed.empty());
  }
  // A name given twice, once with an empty value, is fine (the empty one is dropped).
  FakeAppendable db;
  EXPECT_EQ(Handle(Body(OneSeries({{"__name__", "m"}, {"b", ""}, {"b", "2"}})), db).status, 204);
  // Out of bounds is decided before labels are looked at, as the head does.
  db.min_valid_t = 500;
  const WriteOutcome o = Handle(Body(OneSeries({{"a", "1"}, {"a", "2"}}, 100)), db);
  EXPECT_EQ(o.status, 400);
  EXPECT_EQ(o.body, "out of bounds\n");
  // Invalid labels without samples are never appended, so they do not fail the request.
  WriteRequest r;
  r.AddSeries(std::vector<LabelRef>{{"a", "1"}, {"a", "2"}}, {});
  EXPECT_EQ(Handle(Body(r), db).status, 204);
}

TEST(WriteHandlerTest, NativeHistogramsAre500AfterTheSeriesSamples) {
  // Series: labels, one sample out of bounds, one histogram: the sample's error wins.
  const std::string series =
      Cat({LenField(1, LabelMsg("__name__", "h")),
           LenField(4, VarintField(1, 1) + VarintField(15, 5000)), LenField(2, SampleMsg(1, 100))});
  FakeAppendable db;
  db.min_valid_t = 500;
  WriteOutcome o = Handle(SnappyCompress(SeriesField(series)), db);
  EXPECT_EQ(o.status, 400);
  EXPECT_EQ(o.body, "out of bounds\n");
  db.min_valid_t = 0;
  o = Handle(SnappyCompress(SeriesField(series)), db);
  EXPECT_EQ(o.status, 500);
  EXPECT_EQ(o.body, "native histograms are disabled\n");
  EXPECT_EQ(o.histograms, 1u);
  EXPECT_TRUE(db.committed.empty());
}

TEST(WriteHandlerTest, ScratchIsReusedAcrossRequests) {
  FakeAppendable db;
  WriteScratch scratch;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(HandleWrite(Body(TwoSeries()), "snappy", "", db, {}, &scratch).status, 204);
  }
  EXPECT_EQ(db.committed.size(), 9u);
  EXPECT_EQ(scratch.request.series().size(), 2u);
}

}  // namespace
}  // namespace tsdbd::remote
