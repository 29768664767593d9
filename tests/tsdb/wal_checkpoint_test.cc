// Checkpoints: what they keep, atomic publication, and replay order.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "lib/tsdb/record/decoder.h"
#include "lib/tsdb/record/encoder.h"
#include "lib/tsdb/wal/checkpoint.h"
#include "lib/tsdb/wal/reader.h"
#include "lib/tsdb/wal/wal.h"
#include "tests/tsdb/wal_test_util.h"

namespace tsdbd::tsdb::wal {
namespace {

namespace rec = tsdbd::tsdb::record;
using testing::TempDir;

struct Contents {
  std::map<uint64_t, std::vector<rec::Label>> series;
  std::vector<rec::RefSample> samples;
  std::vector<rec::Stone> stones;
  std::vector<rec::RefExemplar> exemplars;
  std::vector<rec::RefMetadata> metadata;
  int other = 0;
};

Contents Decode(std::vector<SegmentRef> segs) {
  Contents c;
  Reader r(std::move(segs));
  std::vector<rec::RefSeries> series;
  while (r.Next()) {
    std::string_view x = r.record();
    switch (rec::RecordType(x)) {
      case rec::Type::kSeries:
        series.clear();
        EXPECT_TRUE(rec::DecodeSeries(x, &series).ok());
        for (auto& s : series) c.series[s.ref] = s.labels;
        break;
      case rec::Type::kSamples:
        EXPECT_TRUE(rec::DecodeSamples(x, &c.samples).ok());
        break;
      case rec::Type::kTombstones:
        EXPECT_TRUE(rec::DecodeTombstones(x, &c.stones).ok());
        break;
      case rec::Type::kExemplars:
        EXPECT_TRUE(rec::DecodeExemplars(x, &c.exemplars).ok());
        break;
      case rec::Type::kMetadata:
        EXPECT_TRUE(rec::DecodeMetadata(x, &c.metadata).ok());
        break;
      default:
        ++c.other;
    }
  }
  EXPECT_TRUE(r.status().ok()) << r.status().message();
  return c;
}

// Segments 0..3: series 1..10 in segment 0; samples t = 0..99 for every series spread
// over segments 0..3 (25 per segment); tombstones, exemplars, metadata, an mmap marker.
void WriteHistory(Wal& wal) {
  std::vector<rec::RefSeries> series;
  for (uint64_t ref = 1; ref <= 10; ++ref) {
    series.push_back({ref, {{"__name__", "m"}, {"i", std::to_string(ref)}}});
  }
  std::string r;
  rec::EncodeSeries(series, &r);
  ASSERT_TRUE(wal.Log({r}).ok());
  for (int seg = 0; seg < 4; ++seg) {
    for (int t = seg * 25; t < (seg + 1) * 25; ++t) {
      std::vector<rec::RefSample> samples;
      for (uint64_t ref = 1; ref <= 10; ++ref) samples.push_back({ref, t, t * 10.0 + ref});
      r.clear();
      rec::EncodeSamples(samples, &r);
      ASSERT_TRUE(wal.Log({r}).ok());
    }
    if (seg == 1) {
      std::vector<std::string> recs(5);
      rec::EncodeTombstones(std::vector<rec::Stone>{{2, 0, 10}, {2, 40, 60}, {3, 70, 80}},
                            &recs[0]);
      rec::EncodeExemplars(
          std::vector<rec::RefExemplar>{{2, 30, 1, {{"trace_id", "a"}}}, {4, 70, 2, {}}}, &recs[1]);
      rec::EncodeMetadata(std::vector<rec::RefMetadata>{{2, rec::MetricType::kGauge, "", "old"},
                                                        {3, rec::MetricType::kCounter, "", "c"}},
                          &recs[2]);
      rec::EncodeMetadata(
          std::vector<rec::RefMetadata>{{2, rec::MetricType::kGauge, "bytes", "new"}}, &recs[3]);
      rec::EncodeMmapMarkers(std::vector<rec::RefMmapMarker>{{2, 99}}, &recs[4]);
      std::vector<std::string_view> views(recs.begin(), recs.end());
      ASSERT_TRUE(wal.Log(views).ok());
    }
    if (seg < 3) {
      ASSERT_TRUE(wal.NextSegment().ok());
    }
  }
}

TEST(WalCheckpointTest, KeepsLiveSeriesAndRecentData) {
  TempDir tmp;
  auto wal = Wal::Open(tmp.path(), WalOptions{});
  ASSERT_TRUE(wal.ok());
  WriteHistory(**wal);
  ASSERT_EQ((*wal)->current_segment(), 3);
  auto keep_even = [](uint64_t ref) { return ref % 2 == 0; };
  auto stats = Checkpoint(tmp.path(), 0, 2, keep_even, /*mint=*/50);
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  EXPECT_EQ(stats->total_series, 10);
  EXPECT_EQ(stats->dropped_series, 5);
  EXPECT_EQ(stats->total_samples, 750);  // segments 0..2 hold t = 0..74
  EXPECT_EQ(stats->dropped_samples, 500);
  EXPECT_EQ(stats->total_tombstones, 3);
  EXPECT_EQ(stats->dropped_tombstones, 2);  // {2,0,10} is too old, series 3 is gone
  EXPECT_EQ(stats->dropped_exemplars, 1);
  EXPECT_EQ(stats->total_metadata, 3);
  EXPECT_EQ(stats->dropped_metadata, 2);  // series 3, and the superseded one of series 2
  EXPECT_EQ(stats->dropped_other_records, 1);

  const std::string cp = tmp / "checkpoint.00000002";
  EXPECT_TRUE(std::filesystem::is_directory(cp));
  EXPECT_FALSE(std::filesystem::exists(cp + ".tmp"));
  Contents c = Decode(*ListSegments(cp));
  ASSERT_EQ(c.series.size(), 5u);
  for (const auto& [ref, labels] : c.series) EXPECT_EQ(ref % 2, 0u);
  EXPECT_EQ(c.series[4], (std::vector<rec::Label>{{"__name__", "m"}, {"i", "4"}}));
  ASSERT_EQ(c.samples.size(), 250u);
  for (const auto& s : c.samples) {
    EXPECT_GE(s.t, 50);
    EXPECT_LT(s.t, 75);
    EXPECT_EQ(s.v, s.t * 10.0 + s.ref);
  }
  EXPECT_EQ(c.stones, (std::vector<rec::Stone>{{2, 40, 60}}));
  ASSERT_EQ(c.exemplars.size(), 1u);
  EXPECT_EQ(c.exemplars[0].ref, 4u);
  EXPECT_EQ(c.metadata,
            (std::vector<rec::RefMetadata>{{2, rec::MetricType::kGauge, "bytes", "new"}}));
  EXPECT_EQ(c.other, 0);

  // Replay: the checkpoint, then segment 3 only.
  auto set = FindReplaySet(tmp.path());
  ASSERT_TRUE(set.ok());
  ASSERT_TRUE(set->checkpoint);
  EXPECT_EQ(set->checkpoint->index, 2);
  ASSERT_EQ(set->segments.size(), 1u);
  EXPECT_EQ(set->segments[0].index, 3);

  // Truncation after the checkpoint; a reopened WAL continues after both.
  ASSERT_TRUE((*wal)->Truncate(3).ok());
  ASSERT_TRUE((*wal)->Close().ok());
  auto again = Wal::Open(tmp.path(), WalOptions{});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->current_segment(), 4);
}

TEST(WalCheckpointTest, NextCheckpointBuildsOnThePreviousOne) {
  TempDir tmp;
  auto wal = Wal::Open(tmp.path(), WalOptions{});
  ASSERT_TRUE(wal.ok());
  WriteHistory(**wal);
  ASSERT_TRUE(Checkpoint(
                  tmp.path(), 0, 1, [](uint64_t) { return true; }, 0)
                  .ok());
  ASSERT_TRUE((*wal)->NextSegment().ok());  // segment 3 is complete now
  auto stats = Checkpoint(
      tmp.path(), 2, 3, [](uint64_t ref) { return ref <= 3; }, 60);
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  Contents c = Decode(*ListSegments(tmp / "checkpoint.00000003"));
  EXPECT_EQ(c.series.size(), 3u);     // carried over from checkpoint.00000001
  EXPECT_EQ(c.samples.size(), 400u);  // t = 60..99 of all ten series
  ASSERT_TRUE(DeleteCheckpoints(tmp.path(), 3).ok());
  EXPECT_FALSE(std::filesystem::exists(tmp / "checkpoint.00000001"));
  EXPECT_TRUE(std::filesystem::exists(tmp / "checkpoint.00000003"));
}

TEST(WalCheckpointTest, FailuresLeaveNoCheckpoint) {
  TempDir tmp;
  auto wal = Wal::Open(tmp.path(), WalOptions{});
  ASSERT_TRUE(wal.ok());
  WriteHistory(**wal);
  auto all = [](uint64_t) { return true; };
  EXPECT_FALSE(Checkpoint(tmp.path(), 2, 1, all, 0).ok());  // empty range
  EXPECT_FALSE(Checkpoint(tmp.path(), 0, 9, all, 0).ok());  // missing segments
  EXPECT_FALSE(std::filesystem::exists(tmp / "checkpoint.00000009"));
  ASSERT_TRUE(Checkpoint(tmp.path(), 0, 1, all, 0).ok());
  EXPECT_FALSE(Checkpoint(tmp.path(), 1, 2, all, 0).ok());  // overlaps checkpoint.00000001

  // Damage in an input segment fails the checkpoint rather than silently dropping data.
  std::string seg = testing::ReadFileBytes(tmp / "00000002");
  seg[20] ^= 1;
  testing::WriteFileBytes(tmp / "00000002", seg);
  auto r = Checkpoint(tmp.path(), 2, 2, all, 0);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("checksum"), std::string::npos) << r.error().message();
  EXPECT_FALSE(std::filesystem::exists(tmp / "checkpoint.00000002"));
  EXPECT_FALSE(std::filesystem::exists(tmp / "checkpoint.00000002.tmp"));
}

TEST(WalCheckpointTest, LeftoverTempDirectoryIsIgnoredAndReplaced) {
  TempDir tmp;
  auto wal = Wal::Open(tmp.path(), WalOptions{});
  ASSERT_TRUE(wal.ok());
  WriteHistory(**wal);
  std::filesystem::create_directories(tmp / "checkpoint.00000001.tmp");
  testing::WriteFileBytes(tmp / "checkpoint.00000001.tmp/00000000", "junk");
  auto last = LastCheckpoint(tmp.path());
  ASSERT_TRUE(last.ok());
  EXPECT_FALSE(last->has_value());
  ASSERT_TRUE(Checkpoint(
                  tmp.path(), 0, 1, [](uint64_t) { return true; }, 0)
                  .ok());
  EXPECT_FALSE(std::filesystem::exists(tmp / "checkpoint.00000001.tmp"));
  EXPECT_EQ(Decode(*ListSegments(tmp / "checkpoint.00000001")).series.size(), 10u);
}

}  // namespace
}  // namespace tsdbd::tsdb::wal
