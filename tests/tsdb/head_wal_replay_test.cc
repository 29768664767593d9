// The head's WAL replay on hand-written WALs, with several worker threads: what sharding the
// samples over workers could break (per-series order, series records after their samples,
// duplicate refs, tombstones between samples) against a sequential model of the replay.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "lib/tsdb/head/head.h"
#include "lib/tsdb/record/encoder.h"
#include "lib/tsdb/wal/wal.h"
#include "tests/tsdb/head_test_util.h"
#include "tests/tsdb/wal_test_util.h"

namespace tsdbd::tsdb {
namespace {

using testing::BitSample;
using testing::SeriesData;
using wal::testing::TempDir;

// Writes records to <dir>/wal.
class WalWriter {
 public:
  explicit WalWriter(const std::string& dir) {
    auto w = wal::Wal::Open(dir + "/wal");
    EXPECT_TRUE(w.ok());
    if (w.ok()) wal_ = std::move(*w);
  }
  void Series(uint64_t ref, const Labels& labels) {
    record::RefSeries rs{ref, {}};
    for (Label l : labels) rs.labels.push_back({std::string(l.name), std::string(l.value)});
    Log([&](std::string* out) { record::EncodeSeries(std::vector{rs}, out); });
  }
  void SeriesRecord(const std::vector<std::pair<uint64_t, Labels>>& entries) {
    std::vector<record::RefSeries> rec;
    for (const auto& [ref, labels] : entries) {
      record::RefSeries& rs = rec.emplace_back(record::RefSeries{ref, {}});
      for (Label l : labels) rs.labels.push_back({std::string(l.name), std::string(l.value)});
    }
    Log([&](std::string* out) { record::EncodeSeries(rec, out); });
  }
  void Samples(const std::vector<record::RefSample>& samples) {
    Log([&](std::string* out) { record::EncodeSamples(samples, out); });
  }
  void Tombstone(uint64_t ref, int64_t mint, int64_t maxt) {
    Log([&](std::string* out) {
      record::EncodeTombstones(std::vector{record::Stone{ref, mint, maxt}}, out);
    });
  }

 private:
  template <typename Encode>
  void Log(Encode encode) {
    std::string rec;
    encode(&rec);
    ASSERT_TRUE(wal_->Log({rec}).ok());
  }
  std::unique_ptr<wal::Wal> wal_;
};

std::unique_ptr<Head> Replay(const std::string& dir, size_t workers,
                             int64_t min_valid_time = MemSeries::kNoTime) {
  HeadOptions o = testing::MemOptions();
  o.wal_dir = dir + "/wal";
  o.replay_workers = workers;
  o.min_valid_time = min_valid_time;
  auto h = Head::Open(o);
  EXPECT_TRUE(h.ok()) << (h.ok() ? "" : h.error().message());
  return h.ok() ? std::move(*h) : nullptr;
}

// Every series with samples, by labels.
std::map<Labels, std::vector<BitSample>> All(Head& head) {
  std::map<Labels, std::vector<BitSample>> out;
  for (SeriesData& s : testing::SelectAll(
           head, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
           {testing::M("__name__", Matcher::Type::kRegexMatch, ".+")})) {
    out[s.labels] = std::move(s.samples);
  }
  return out;
}

Labels Series(int i) {
  return Labels{{"__name__", "m"}, {"i", std::to_string(i)}};
}

BitSample Bits(int64_t t, double v) {
  return {t, std::bit_cast<uint64_t>(v)};
}

// Many series over many records, each record mixing series in random order, with samples out
// of order and repeated: every worker count keeps exactly what a sequential replay keeps.
TEST(HeadWalReplayTest, PerSeriesOrderHoldsAcrossShards) {
  TempDir dir;
  constexpr int kSeries = 3000;
  std::map<Labels, std::vector<BitSample>> want;
  std::vector<int64_t> newest(kSeries, std::numeric_limits<int64_t>::min());
  int64_t stored = 0, out_of_order = 0;
  {
    WalWriter w(dir.path());
    for (int i = 0; i < kSeries; ++i) w.Series(i + 1, Series(i));
    std::mt19937_64 rng(11);
    for (int r = 0; r < 200; ++r) {
      std::vector<record::RefSample> rec;
      for (int k = 0; k < 400; ++k) {
        const int i = static_cast<int>(rng() % kSeries);
        // Mostly forward in time, sometimes back or repeated.
        const int64_t t =
            r * 1000 + static_cast<int64_t>(rng() % 1000) - (rng() % 8 == 0 ? 1500 : 0);
        const double v = static_cast<double>(rng() % 1000);
        rec.push_back({static_cast<uint64_t>(i + 1), t, v});
        if (t > newest[i]) {
          newest[i] = t;
          want[Series(i)].push_back(Bits(t, v));
          ++stored;
        } else {
          ++out_of_order;
        }
      }
      w.Samples(rec);
    }
  }
  for (size_t workers : {1, 3, 8}) {
    auto head = Replay(dir.path(), workers);
    ASSERT_TRUE(head);
    EXPECT_EQ(All(*head), want) << workers << " workers";
    EXPECT_EQ(head->replay_stats().samples, stored);
    EXPECT_EQ(head->replay_stats().out_of_order_samples, out_of_order);
    EXPECT_EQ(head->replay_stats().series, kSeries);
    EXPECT_EQ(head->Stats().num_series, static_cast<uint64_t>(kSeries));
  }
}

// A series record after samples of its ref: those samples are unknown and skipped, later
// ones are stored.
TEST(HeadWalReplayTest, SamplesBeforeTheirSeriesRecordAreSkipped) {
  TempDir dir;
  {
    WalWriter w(dir.path());
    w.Series(1, Series(1));
    w.Samples({{1, 1000, 1}, {2, 1000, 10}, {2, 2000, 20}});
    w.Series(2, Series(2));
    w.Samples({{2, 3000, 30}, {1, 2000, 2}, {3, 3000, 99}});
  }
  auto head = Replay(dir.path(), 4);
  ASSERT_TRUE(head);
  auto got = All(*head);
  EXPECT_EQ(got[Series(1)], (std::vector{Bits(1000, 1), Bits(2000, 2)}));
  EXPECT_EQ(got[Series(2)], (std::vector{Bits(3000, 30)}));
  EXPECT_EQ(head->replay_stats().unknown_ref_samples, 3);
  EXPECT_EQ(head->replay_stats().samples, 3);
}

// Two refs for one series (its record logged twice): both refs' samples go to one series in
// WAL order. A ref once mapped to another series keeps that mapping even when a later record
// reuses it for new labels, as in Prometheus.
TEST(HeadWalReplayTest, DuplicateRefsShareTheirSeries) {
  TempDir dir;
  {
    WalWriter w(dir.path());
    w.Series(5, Series(0));
    w.Series(9, Series(0));
    w.Samples({{5, 1000, 1}, {9, 2000, 2}, {5, 1500, 3}, {9, 3000, 4}});
    w.Series(9, Series(1));
    w.Samples({{9, 4000, 5}});
    w.Series(12, Series(2));
    w.Samples({{12, 4000, 6}});
  }
  for (size_t workers : {1, 4}) {
    auto head = Replay(dir.path(), workers);
    ASSERT_TRUE(head);
    auto got = All(*head);
    EXPECT_EQ(got[Series(0)],
              (std::vector{Bits(1000, 1), Bits(2000, 2), Bits(3000, 4), Bits(4000, 5)}));
    EXPECT_EQ(got[Series(2)], (std::vector{Bits(4000, 6)}));
    EXPECT_EQ(head->replay_stats().duplicate_ref_series, 1);
    EXPECT_EQ(head->replay_stats().out_of_order_samples, 1);
    // New series get refs after every ref the WAL used.
    auto app = head->NewAppender();
    auto r = app->Append(0, Series(3), 5000, 7);
    ASSERT_TRUE(r.ok());
    EXPECT_GT(r.ref, 12u);
  }
}

// Tombstones delete what was replayed before them, not the samples after them, for series
// spread over all workers.
TEST(HeadWalReplayTest, TombstonesApplyInWalOrder) {
  TempDir dir;
  constexpr int kSeries = 500;
  {
    WalWriter w(dir.path());
    for (int i = 0; i < kSeries; ++i) w.Series(i + 1, Series(i));
    auto batch = [&](int64_t from, int64_t to) {
      std::vector<record::RefSample> rec;
      for (int64_t t = from; t < to; ++t) {
        for (int i = 0; i < kSeries; ++i) {
          rec.push_back({static_cast<uint64_t>(i + 1), t * 1000, static_cast<double>(t)});
        }
      }
      w.Samples(rec);
    };
    batch(0, 10);
    for (int i = 0; i < kSeries; i += 2) w.Tombstone(i + 1, 3000, 20'000);
    batch(10, 15);
  }
  auto head = Replay(dir.path(), 3);
  ASSERT_TRUE(head);
  auto got = All(*head);
  ASSERT_EQ(got.size(), static_cast<size_t>(kSeries));
  for (int i = 0; i < kSeries; ++i) {
    std::vector<BitSample> want;
    for (int64_t t = 0; t < 15; ++t) {
      if (i % 2 == 0 && t >= 3 && t < 10) continue;
      want.push_back(Bits(t * 1000, static_cast<double>(t)));
    }
    EXPECT_EQ(got[Series(i)], want) << i;
  }
}

// Series records big enough to be created on several threads, mixed with ones that must be
// created in record order (a label set or a ref twice in the record): refs map to the series
// a sequential model of the replay maps them to, and every series is indexed.
TEST(HeadWalReplayTest, BigSeriesRecordsMapRefsAsRecordOrderDoes) {
  TempDir dir;
  std::vector<std::vector<std::pair<uint64_t, int>>> records;  // (ref, series) entries
  auto record = [&records](uint64_t first_ref, int n, auto series_of) {
    std::vector<std::pair<uint64_t, int>> r;
    for (int i = 0; i < n; ++i) r.emplace_back(first_ref + i, series_of(i));
    records.push_back(std::move(r));
  };
  record(1, 3000, [](int i) { return i; });                   // new series
  record(3001, 3000, [](int i) { return 1500 + i; });         // half known: remapped refs
  record(7001, 2500, [](int i) { return 5000 + i % 1250; });  // each label set twice
  record(10001, 2500, [](int i) { return 7000 + i; });
  records.back().back().first = 10001;  // a ref twice
  uint64_t max_ref = 0;
  // The model: the first ref logged for a label set names its series; a later ref for it is
  // remapped, and keeps that mapping.
  std::map<int, uint64_t> series_ref;
  std::map<uint64_t, int> by_ref;
  std::set<uint64_t> remapped;
  int64_t duplicates = 0;
  {
    WalWriter w(dir.path());
    for (const auto& r : records) {
      std::vector<std::pair<uint64_t, Labels>> entries;
      for (auto [ref, i] : r) {
        entries.emplace_back(ref, Series(i));
        max_ref = std::max(max_ref, ref);
        auto [it, created] = series_ref.try_emplace(i, ref);
        if (created) {
          if (!remapped.contains(ref)) by_ref[ref] = i;
        } else if (it->second != ref) {
          by_ref[ref] = i;
          remapped.insert(ref);
          ++duplicates;
        }
      }
      w.SeriesRecord(entries);
    }
    std::vector<record::RefSample> samples;
    for (uint64_t ref = 1; ref <= max_ref; ++ref) {
      samples.push_back({ref, 1000 + static_cast<int64_t>(ref), static_cast<double>(ref)});
    }
    w.Samples(samples);
  }
  std::map<Labels, std::vector<BitSample>> want;
  for (auto [i, ref] : series_ref) want[Series(i)];
  int64_t unknown = 0;
  for (uint64_t ref = 1; ref <= max_ref; ++ref) {
    auto it = by_ref.find(ref);
    if (it == by_ref.end()) {
      ++unknown;
      continue;
    }
    want[Series(it->second)].push_back(
        Bits(1000 + static_cast<int64_t>(ref), static_cast<double>(ref)));
  }
  std::erase_if(want, [](const auto& kv) { return kv.second.empty(); });
  for (size_t workers : {1, 2, 3}) {
    auto head = Replay(dir.path(), workers);
    ASSERT_TRUE(head);
    EXPECT_EQ(All(*head), want) << workers << " workers";
    EXPECT_EQ(head->replay_stats().series, static_cast<int64_t>(series_ref.size()));
    EXPECT_EQ(head->Stats().num_series, series_ref.size());
    EXPECT_EQ(head->replay_stats().duplicate_ref_series, duplicates);
    EXPECT_EQ(head->replay_stats().unknown_ref_samples, unknown);
    // Each series has the ref its first record entry gave it.
    auto app = head->NewAppender();
    size_t wrong_refs = 0;
    for (auto [i, ref] : series_ref) {
      auto r = app->Append(0, Series(i), 100'000, 1);
      ASSERT_TRUE(r.ok());
      if (r.ref != ref) ++wrong_refs;
    }
    EXPECT_EQ(wrong_refs, 0u) << workers << " workers";
  }
}

// Samples older than the head's min valid time (the blocks' end) are dropped as they are
// decoded, within records that straddle it too (deltas against a first sample that is old or
// new), before they could count as out of order; unknown refs are counted among the others
// only, as Prometheus counts them (a record of old samples only is dropped unread).
TEST(HeadWalReplayTest, SamplesBelowMinValidTimeAreDroppedBeforeTheirRefsAreLookedUp) {
  TempDir dir;
  constexpr int64_t kMinValid = 10'000;
  {
    WalWriter w(dir.path());
    w.Series(1, Series(1));
    w.Series(2, Series(2));
    // Old first sample, new ones after it, an old one for a series that has a newer sample.
    w.Samples({{1, 9'000, 1}, {2, 12'000, 2}, {1, 11'000, 3}, {2, 9'999, 4}, {9, 5'000, 5}});
    // New first sample, old ones (negative deltas) after it, then an unknown new one.
    w.Samples({{2, 13'000, 6}, {1, 1'000, 7}, {1, 10'000, 8}, {9, 20'000, 9}});
    // Wholly old: nothing stored, nothing out of order, the unknown ref not counted.
    w.Samples({{1, 2'000, 10}, {2, 3'000, 11}, {8, 4'000, 12}});
    w.Samples({{1, 14'000, 13}, {2, 14'000, 14}});
  }
  for (size_t workers : {1, 3}) {
    auto head = Replay(dir.path(), workers, kMinValid);
    ASSERT_TRUE(head);
    auto got = All(*head);
    EXPECT_EQ(got[Series(1)], (std::vector{Bits(11'000, 3), Bits(14'000, 13)})) << workers;
    EXPECT_EQ(got[Series(2)], (std::vector{Bits(12'000, 2), Bits(13'000, 6), Bits(14'000, 14)}))
        << workers;
    // 10'000 is not below the min valid time, but not after series 1's newest either.
    EXPECT_EQ(head->replay_stats().out_of_order_samples, 1);
    EXPECT_EQ(head->replay_stats().samples, 5);
    EXPECT_EQ(head->replay_stats().unknown_ref_samples, 1);  // {9, 20'000}
    EXPECT_EQ(head->MinTime(), 11'000);
  }
}

// A samples record cut short inside a valid WAL (not a torn tail) fails the replay with the
// decoder's message, as it did before samples were decoded while being dispatched.
TEST(HeadWalReplayTest, MalformedSamplesRecordFailsTheReplay) {
  TempDir dir;
  {
    auto w = wal::Wal::Open(dir.path() + "/wal");
    ASSERT_TRUE(w.ok());
    std::string series;
    record::EncodeSeries(std::vector{record::RefSeries{1, {{"__name__", "m"}}}}, &series);
    std::string samples;
    record::EncodeSamples(std::vector<record::RefSample>{{1, 1000, 1}, {1, 2000, 2}}, &samples);
    samples.resize(samples.size() - 3);
    ASSERT_TRUE((*w)->Log({series}).ok());
    ASSERT_TRUE((*w)->Log({samples}).ok());
  }
  HeadOptions o = testing::MemOptions();
  o.wal_dir = dir.path() + "/wal";
  o.replay_workers = 2;
  auto h = Head::Open(o);
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.error().message().find("malformed samples record after 1 entries"), std::string::npos)
      << h.error().message();
}

// Refs far apart (a foreign or long-churned WAL) replay like dense ones.
TEST(HeadWalReplayTest, ScatteredAndHugeRefs) {
  TempDir dir;
  const std::vector<uint64_t> refs = {1,          4096,       1u << 20,        (1ull << 32) - 1,
                                      1ull << 32, 1ull << 40, ~uint64_t{0} - 1};
  {
    WalWriter w(dir.path());
    for (size_t i = 0; i < refs.size(); ++i) w.Series(refs[i], Series(static_cast<int>(i)));
    std::vector<record::RefSample> rec;
    for (size_t i = 0; i < refs.size(); ++i) rec.push_back({refs[i], 1000, double(i)});
    w.Samples(rec);
  }
  auto head = Replay(dir.path(), 2);
  ASSERT_TRUE(head);
  auto got = All(*head);
  ASSERT_EQ(got.size(), refs.size());
  for (size_t i = 0; i < refs.size(); ++i) {
    EXPECT_EQ(got[Series(static_cast<int>(i))], (std::vector{Bits(1000, double(i))}));
  }
  EXPECT_EQ(head->replay_stats().unknown_ref_samples, 0);
}

}  // namespace
}  // namespace tsdbd::tsdb
