// Head::Delete: deleted samples leave queries at once, later samples stay, and a WAL replay
// (segments and checkpoints) rebuilds the same head.
#include <gtest/gtest.h>

#include <bit>
#include <filesystem>
#include <limits>
#include <map>
#include <random>
#include <thread>

#include "lib/tsdb/head/head.h"
#include "tests/testing/process.h"
#include "tests/tsdb/head_test_util.h"

namespace tsdbd::tsdb {
namespace {

using testing::BitSample;
using testing::Eq;
using testing::M;
using testing::SeriesData;

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

Matcher AnyName() {
  return M("__name__", Matcher::Type::kRegexMatch, ".+");
}

std::unique_ptr<Head> OpenHead(const std::string& wal_dir, int64_t chunk_range = 1000000) {
  HeadOptions o = testing::MemOptions();
  o.wal_dir = wal_dir;
  o.chunk_range_ms = chunk_range;
  auto h = Head::Open(o);
  EXPECT_TRUE(h.ok()) << (h.ok() ? "" : h.error().message());
  return h.ok() ? std::move(*h) : nullptr;
}

Labels S(const std::string& name, const std::string& i) {
  return Labels{{"__name__", name}, {"i", i}};
}

// Appends samples t = from, from+step, ... < to with value t, one commit.
void Fill(Head& head, const Labels& l, int64_t from, int64_t to, int64_t step = 10) {
  auto app = head.NewAppender();
  for (int64_t t = from; t < to; t += step) {
    ASSERT_TRUE(app->Append(0, l, t, static_cast<double>(t)).ok()) << t;
  }
  ASSERT_TRUE(app->Commit().ok());
}

std::vector<int64_t> Times(const std::vector<BitSample>& samples) {
  std::vector<int64_t> out;
  for (const BitSample& s : samples) out.push_back(s.t);
  return out;
}

std::vector<int64_t> Range(int64_t from, int64_t to, int64_t step = 10) {
  std::vector<int64_t> out;
  for (int64_t t = from; t < to; t += step) out.push_back(t);
  return out;
}

std::vector<int64_t> Concat(std::vector<int64_t> a, const std::vector<int64_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(DeleteHeadTest, DropsTheRangeOfMatchingSeriesOnly) {
  auto head = OpenHead("");
  // 3000 samples: several closed chunks and an open one.
  Fill(*head, S("a", "1"), 0, 30000);
  Fill(*head, S("a", "2"), 0, 30000);
  Fill(*head, S("b", "1"), 0, 30000);
  std::vector<Matcher> ms{Eq("__name__", "a"), Eq("i", "1")};
  ASSERT_TRUE(head->Delete(5005, 25000, ms).ok());

  auto all = testing::SelectAll(*head, kMin, kMax, {AnyName()});
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(Times(all[0].samples), Concat(Range(0, 5010), Range(25010, 30000)));
  EXPECT_EQ(Times(all[1].samples), Range(0, 30000));
  EXPECT_EQ(Times(all[2].samples), Range(0, 30000));
  // Values survive the re-encoding bit for bit.
  for (const BitSample& s : all[0].samples) {
    EXPECT_EQ(std::bit_cast<double>(s.v), static_cast<double>(s.t));
  }
}

TEST(DeleteHeadTest, DeletingEverythingHidesTheSeries) {
  auto head = OpenHead("");
  Fill(*head, S("a", "1"), 0, 5000);
  Fill(*head, S("b", "1"), 0, 5000);
  ASSERT_TRUE(head->Delete(kMin, kMax, std::vector<Matcher>{Eq("__name__", "a")}).ok());
  auto all = testing::SelectAll(*head, kMin, kMax, {AnyName()});
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].labels, S("b", "1"));
}

TEST(DeleteHeadTest, LaterSamplesAreKeptAndOrderStillHolds) {
  auto head = OpenHead("");
  Fill(*head, S("a", "1"), 0, 1000);
  // The range reaches far past the newest sample: only what exists now is deleted.
  ASSERT_TRUE(head->Delete(500, kMax, std::vector<Matcher>{Eq("__name__", "a")}).ok());
  {
    // The deleted samples' times are still behind the newest sample ever appended.
    auto app = head->NewAppender();
    EXPECT_FALSE(app->Append(0, S("a", "1"), 985, 1).ok());
    app->Rollback();
  }
  Fill(*head, S("a", "1"), 1000, 1100);
  auto all = testing::SelectAll(*head, kMin, kMax, {AnyName()});
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(Times(all[0].samples), Concat(Range(0, 500), Range(1000, 1100)));
}

TEST(DeleteHeadTest, NoMatchAndEmptyHeadAreNoOps) {
  auto head = OpenHead("");
  ASSERT_TRUE(head->Delete(kMin, kMax, std::vector<Matcher>{Eq("__name__", "a")}).ok());
  Fill(*head, S("a", "1"), 0, 100);
  ASSERT_TRUE(head->Delete(kMin, kMax, std::vector<Matcher>{Eq("__name__", "zzz")}).ok());
  ASSERT_TRUE(head->Delete(200, 300, std::vector<Matcher>{Eq("__name__", "a")}).ok());
  ASSERT_TRUE(head->Delete(50, 10, std::vector<Matcher>{Eq("__name__", "a")}).ok());
  auto all = testing::SelectAll(*head, kMin, kMax, {AnyName()});
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(Times(all[0].samples), Range(0, 100));
}

TEST(DeleteHeadTest, QuerierOpenedBeforeKeepsItsView) {
  auto head = OpenHead("");
  Fill(*head, S("a", "1"), 0, 3000);
  auto q = head->NewQuerier(kMin, kMax);
  ASSERT_TRUE(q.ok());
  std::vector<Matcher> ms{AnyName()};
  auto set = (*q)->Select(true, nullptr, ms);
  ASSERT_TRUE(set->Next());
  auto series = set->At();
  ASSERT_TRUE(head->Delete(0, 2000, std::vector<Matcher>{Eq("__name__", "a")}).ok());
  // The chunks taken before the deletion stay readable (they are shared, not rewritten).
  auto it = series->Iterator();
  EXPECT_EQ(testing::Drain(*it).size(), 300u);
}

TEST(DeleteHeadTest, ReplayDropsDeletedSamplesAndKeepsLaterOnes) {
  tsdbd::testing::TempDir dir;
  const std::string wal = dir.path() + "/wal";
  std::vector<SeriesData> before;
  {
    auto head = OpenHead(wal);
    Fill(*head, S("a", "1"), 0, 3000);
    Fill(*head, S("a", "2"), 0, 3000);
    ASSERT_TRUE(head->Delete(1000, 2000, std::vector<Matcher>{Eq("i", "1")}).ok());
    Fill(*head, S("a", "1"), 3000, 4000);  // after the tombstone in the WAL
    before = testing::SelectAll(*head, kMin, kMax, {AnyName()});
    ASSERT_TRUE(head->Close().ok());
  }
  ASSERT_EQ(before.size(), 2u);
  EXPECT_EQ(Times(before[0].samples), Concat(Range(0, 1000), Range(2010, 4000)));
  auto head = OpenHead(wal);
  ASSERT_NE(head, nullptr);
  auto after = testing::SelectAll(*head, kMin, kMax, {AnyName()});
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].labels, before[i].labels);
    EXPECT_EQ(after[i].samples, before[i].samples) << after[i].labels.ToString();
  }
}

TEST(DeleteHeadTest, TombstonesSurviveACheckpoint) {
  tsdbd::testing::TempDir dir;
  const std::string wal = dir.path() + "/wal";
  HeadOptions o = testing::MemOptions();
  o.wal_dir = wal;
  o.chunk_range_ms = 1000;
  o.wal_options.segment_size = 32 * 1024;  // many segments, so truncation checkpoints
  std::vector<SeriesData> before;
  {
    auto h = Head::Open(o);
    ASSERT_TRUE(h.ok());
    Head& head = **h;
    auto fill = [&](int64_t from, int64_t to) {
      for (int64_t t = from; t < to; t += 200) {
        for (int i = 0; i < 50; ++i) Fill(head, S("a", std::to_string(i)), t, t + 200, 5);
      }
    };
    fill(0, 20000);
    ASSERT_TRUE(head.Delete(12000, 15000, std::vector<Matcher>{Eq("__name__", "a")}).ok());
    fill(20000, 40000);
    ASSERT_TRUE(head.Truncate(10000).ok());
    before = testing::SelectAll(head, kMin, kMax, {AnyName()});
    ASSERT_TRUE(head.Close().ok());
  }
  ASSERT_EQ(before.size(), 50u);
  for (const SeriesData& s : before) {
    for (const BitSample& b : s.samples) {
      EXPECT_FALSE(b.t >= 12000 && b.t <= 15000) << s.labels.ToString() << " " << b.t;
    }
  }
  bool checkpointed = false;
  for (const auto& e : std::filesystem::directory_iterator(wal)) {
    if (e.path().filename().string().starts_with("checkpoint.")) checkpointed = true;
  }
  EXPECT_TRUE(checkpointed);
  o.min_valid_time = 10000;
  auto h = Head::Open(o);
  ASSERT_TRUE(h.ok()) << h.error().message();
  auto after = testing::SelectAll(**h, kMin, kMax, {AnyName()});
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].samples, before[i].samples) << after[i].labels.ToString();
  }
}

// Random appends and deletions against a naive model; then a replay must agree too.
TEST(DeleteHeadTest, MatchesANaiveModelLiveAndAfterReplay) {
  tsdbd::testing::TempDir dir;
  const std::string wal = dir.path() + "/wal";
  std::mt19937_64 rng(42);
  std::map<std::string, std::map<int64_t, double>> model;  // i -> t -> v
  std::map<std::string, int64_t> next_t;
  {
    auto head = OpenHead(wal, 5000);
    for (int round = 0; round < 200; ++round) {
      if (rng() % 4 != 0) {
        auto app = head->NewAppender();
        for (int k = 0; k < 20; ++k) {
          const std::string i = std::to_string(rng() % 8);
          int64_t& t = next_t[i];
          t += 1 + static_cast<int64_t>(rng() % 30);
          const double v = static_cast<double>(rng() % 1000);
          ASSERT_TRUE(app->Append(0, S("m", i), t, v).ok());
          model[i][t] = v;
        }
        ASSERT_TRUE(app->Commit().ok());
      } else {
        const std::string i = std::to_string(rng() % 8);
        const int64_t a = static_cast<int64_t>(rng() % 40000);
        const int64_t b = a + static_cast<int64_t>(rng() % 3000);
        ASSERT_TRUE(head->Delete(a, b, std::vector<Matcher>{Eq("i", i)}).ok());
        auto& m = model[i];
        m.erase(m.lower_bound(a), m.upper_bound(b));
      }
    }
    auto check = [&](Head& h) {
      auto all = testing::SelectAll(h, kMin, kMax, {AnyName()});
      size_t non_empty = 0;
      for (const auto& [i, m] : model) non_empty += m.empty() ? 0 : 1;
      ASSERT_EQ(all.size(), non_empty);
      for (const SeriesData& s : all) {
        const auto& m = model[std::string(s.labels.Get("i"))];
        std::vector<BitSample> want;
        for (const auto& [t, v] : m) want.push_back({t, std::bit_cast<uint64_t>(v)});
        EXPECT_EQ(s.samples, want) << s.labels.ToString();
      }
    };
    check(*head);
    ASSERT_TRUE(head->Close().ok());
    auto reopened = OpenHead(wal, 5000);
    ASSERT_NE(reopened, nullptr);
    check(*reopened);
  }
}

// Deletions racing with appenders (several series share a batch): whatever queries see
// at the end, a replay of the WAL rebuilds exactly.
TEST(DeleteHeadTest, ConcurrentDeletionsReplayToWhatQueriesSaw) {
  tsdbd::testing::TempDir dir;
  const std::string wal = dir.path() + "/wal";
  std::vector<SeriesData> live;
  {
    auto head = OpenHead(wal, 5000);
    std::vector<std::thread> appenders;
    for (int w = 0; w < 3; ++w) {
      appenders.emplace_back([&head, w] {
        for (int64_t t = 1; t <= 3000; ++t) {
          auto app = head->NewAppender();
          for (int i = 0; i < 4; ++i) {
            // Each writer owns its series; timestamps only grow.
            (void)app->Append(0, S("m", std::to_string(w * 4 + i)), t * 10, static_cast<double>(t));
          }
          ASSERT_TRUE(app->Commit().ok());
        }
      });
    }
    std::mt19937_64 rng(7);
    for (int k = 0; k < 200; ++k) {
      const int64_t a = static_cast<int64_t>(rng() % 30000);
      std::vector<Matcher> ms{M("i", Matcher::Type::kRegexMatch,
                                std::to_string(rng() % 12) + "|" + std::to_string(rng() % 12))};
      ASSERT_TRUE(head->Delete(a, a + static_cast<int64_t>(rng() % 500), ms).ok());
      std::this_thread::yield();
    }
    for (auto& t : appenders) t.join();
    live = testing::SelectAll(*head, kMin, kMax, {AnyName()});
    ASSERT_TRUE(head->Close().ok());
  }
  auto head = OpenHead(wal, 5000);
  ASSERT_NE(head, nullptr);
  auto replayed = testing::SelectAll(*head, kMin, kMax, {AnyName()});
  ASSERT_EQ(replayed.size(), live.size());
  size_t total = 0;
  for (size_t i = 0; i < live.size(); ++i) {
    EXPECT_EQ(replayed[i].labels, live[i].labels);
    EXPECT_EQ(replayed[i].samples, live[i].samples) << live[i].labels.ToString();
    total += live[i].samples.size();
  }
  EXPECT_LT(total, 12u * 3000u);  // something was deleted
}

TEST(DeleteHeadTest, ClosedWalRefusesDeletion) {
  tsdbd::testing::TempDir dir;
  auto head = OpenHead(dir.path() + "/wal");
  Fill(*head, S("a", "1"), 0, 100);
  ASSERT_TRUE(head->Close().ok());
  Status s = head->Delete(kMin, kMax, std::vector<Matcher>{Eq("__name__", "a")});
  EXPECT_FALSE(s.ok());
  // Nothing was deleted from memory either.
  auto all = testing::SelectAll(*head, kMin, kMax, {AnyName()});
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].samples.size(), 10u);
}

}  // namespace
}  // namespace tsdbd::tsdb
