// Randomized test of the head against a naive model: appends with every outcome, commits and
// rollbacks, then selects with random matchers and ranges must agree exactly.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <random>

#include "lib/model/value.h"
#include "lib/tsdb/head/head.h"
#include "tests/tsdb/head_test_util.h"

namespace tsdbd::tsdb {
namespace {

using storage::AppendStatus;
using testing::BitSample;
using T = Matcher::Type;

constexpr int64_t kNone = std::numeric_limits<int64_t>::min();
constexpr int64_t kRange = 2 * 3600 * 1000;

// Prometheus's head semantics, written the obvious way.
struct Model {
  std::map<Labels, std::vector<BitSample>> series;  // every series created, maybe empty
  int64_t head_min = std::numeric_limits<int64_t>::max();
  int64_t head_max = kNone;

  int64_t MinValid() const { return head_max == kNone ? kNone : head_max - kRange / 2; }
  void InitTime(int64_t t) {
    if (head_max == kNone) head_min = head_max = t;
  }
};

struct ModelAppender {
  Model* m;
  bool min_valid_known = false;
  int64_t min_valid = 0;
  std::vector<std::pair<Labels, BitSample>> pending;

  explicit ModelAppender(Model* model) : m(model) {
    if (m->head_max != kNone) {
      min_valid = m->MinValid();
      min_valid_known = true;
    }
  }
  AppendStatus Append(const Labels& l, int64_t t, uint64_t bits) {
    if (!min_valid_known) {
      m->InitTime(t);
      min_valid = m->MinValid();
      min_valid_known = true;
    }
    if (t < min_valid) return AppendStatus::kOutOfBounds;
    if (l.empty()) return AppendStatus::kInvalidLabels;
    auto& s = m->series[l];
    if (!s.empty()) {
      if (t < s.back().t) return AppendStatus::kOutOfOrder;
      if (t == s.back().t) {
        if (bits != s.back().v) return AppendStatus::kDuplicateTimestamp;
        return AppendStatus::kOk;  // same sample: not stored again
      }
    }
    pending.push_back({l, {t, bits}});
    return AppendStatus::kOk;
  }
  void Commit() {
    for (auto& [l, s] : pending) {
      auto& v = m->series[l];
      if (!v.empty() && v.back().t >= s.t) continue;
      v.push_back(s);
      m->head_min = std::min(m->head_min, s.t);
      m->head_max = std::max(m->head_max, s.t);
    }
  }
};

const std::vector<std::string> kNames = {"a", "b", "c"};
const std::vector<std::string> kJobs = {"x", "y", "z", ""};
const std::vector<std::string> kInsts = {"1", "2", "3", "10", ""};

Labels RandomLabels(std::mt19937_64& rng) {
  std::vector<std::pair<std::string_view, std::string_view>> p;
  if (rng() % 10 != 0) p.emplace_back("__name__", kNames[rng() % kNames.size()]);
  p.emplace_back("job", kJobs[rng() % kJobs.size()]);
  p.emplace_back("inst", kInsts[rng() % kInsts.size()]);
  return Labels::FromPairs(p);
}

Matcher RandomMatcher(std::mt19937_64& rng) {
  static const std::vector<std::string> names = {"__name__", "job", "inst", "nope"};
  static const std::vector<std::string> values = {"a", "x", "1", "10", "", "zz"};
  static const std::vector<std::string> regexes = {"a|b", "x|y|q", "1|10", ".*",    ".+",   "1.*",
                                                   "|x",  "",      "a",    "(x|z)", "[ab]", "zz|"};
  const std::string& name = names[rng() % names.size()];
  switch (rng() % 4) {
    case 0:
      return Matcher::MustMake(T::kEqual, name, values[rng() % values.size()]);
    case 1:
      return Matcher::MustMake(T::kNotEqual, name, values[rng() % values.size()]);
    case 2:
      return Matcher::MustMake(T::kRegexMatch, name, regexes[rng() % regexes.size()]);
    default:
      return Matcher::MustMake(T::kRegexNoMatch, name, regexes[rng() % regexes.size()]);
  }
}

bool MatchesAll(const Labels& l, const std::vector<Matcher>& ms) {
  for (const Matcher& m : ms) {
    if (!m.Matches(l.Get(m.name()))) return false;
  }
  return true;
}

uint64_t RandomValueBits(std::mt19937_64& rng, const std::vector<BitSample>* committed) {
  switch (rng() % 8) {
    case 0:
      return kStaleNaNBits;
    case 1:
      return std::bit_cast<uint64_t>(std::nan(""));
    case 2:
      if (committed && !committed->empty()) return committed->back().v;
      [[fallthrough]];
    default:
      return std::bit_cast<uint64_t>(static_cast<double>(rng() % 1000) / 8.0);
  }
}

void CheckQueries(Head& head, Model& model, std::mt19937_64& rng, int n) {
  for (int q = 0; q < n; ++q) {
    std::vector<Matcher> ms;
    const int nm = 1 + static_cast<int>(rng() % 3);
    for (int i = 0; i < nm; ++i) ms.push_back(RandomMatcher(rng));
    int64_t lo = model.head_max == kNone ? 0 : model.head_min;
    int64_t hi = model.head_max == kNone ? 1000 : model.head_max;
    int64_t span = std::max<int64_t>(1, hi - lo + 20000);
    int64_t mint = lo - 10000 + static_cast<int64_t>(rng() % static_cast<uint64_t>(span));
    int64_t maxt = mint + static_cast<int64_t>(rng() % static_cast<uint64_t>(span));
    if (rng() % 5 == 0) {
      mint = std::numeric_limits<int64_t>::min();
      maxt = std::numeric_limits<int64_t>::max();
    }

    std::vector<testing::SeriesData> want;
    for (const auto& [l, samples] : model.series) {
      if (!MatchesAll(l, ms)) continue;
      testing::SeriesData d{l, {}};
      for (const BitSample& s : samples) {
        if (s.t >= mint && s.t <= maxt) d.samples.push_back(s);
      }
      if (!d.samples.empty()) want.push_back(std::move(d));
    }
    std::string what;
    for (const Matcher& m : ms) what += m.ToString() + " ";
    what += std::string("[").append(std::to_string(mint)) +
            std::string(",").append(std::to_string(maxt)) + "]";

    auto got_all = testing::SelectAll(head, mint, maxt, ms, /*sorted=*/true);
    std::vector<testing::SeriesData> got;
    for (auto& d : got_all) {
      // A series whose chunk overlaps the range but holds no sample inside it may come back
      // (as from Prometheus): it must still match.
      ASSERT_TRUE(MatchesAll(d.labels, ms)) << d.labels.ToString() << " for " << what;
      if (!d.samples.empty()) got.push_back(d);
    }
    for (size_t i = 1; i < got_all.size(); ++i) {
      ASSERT_TRUE(got_all[i - 1].labels < got_all[i].labels)
          << "not sorted: " << what << " " << got_all[i - 1].labels.ToString() << " "
          << got_all[i].labels.ToString();
    }
    ASSERT_EQ(got.size(), want.size()) << what;
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_EQ(got[i].labels, want[i].labels) << what;
      ASSERT_EQ(got[i].samples, want[i].samples) << got[i].labels.ToString() << " " << what;
    }

    // Unsorted select: the same set.
    auto unsorted = testing::SelectAll(head, mint, maxt, ms, /*sorted=*/false);
    ASSERT_EQ(unsorted.size(), got_all.size()) << what;

    // Label names and values (from the index: every series created, whatever its samples).
    auto querier = head.NewQuerier(mint, maxt);
    ASSERT_TRUE(querier.ok());
    const bool outside = model.head_max == kNone || maxt < model.head_min || mint > model.head_max;
    std::vector<Matcher> lms;
    if (rng() % 2) lms = ms;
    std::set<std::string> names, jobs;
    if (!outside) {
      for (const auto& [l, samples] : model.series) {
        if (!MatchesAll(l, lms)) continue;
        for (Label x : l) names.insert(std::string(x.name));
        if (l.Has("job")) jobs.insert(std::string(l.Get("job")));
      }
    }
    auto got_names = (*querier)->LabelNames(lms);
    ASSERT_TRUE(got_names.ok());
    ASSERT_EQ(*got_names, std::vector<std::string>(names.begin(), names.end())) << what;
    auto got_jobs = (*querier)->LabelValues("job", lms);
    ASSERT_TRUE(got_jobs.ok());
    ASSERT_EQ(*got_jobs, std::vector<std::string>(jobs.begin(), jobs.end())) << what;
  }
}

TEST(HeadModelTest, RandomAppendsAndSelectsAgreeWithModel) {
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    SCOPED_TRACE(std::string("seed ").append(std::to_string(seed)));
    std::mt19937_64 rng(seed);
    HeadOptions o = testing::MemOptions();
    o.chunk_range_ms = kRange;
    auto head_or = Head::Open(o);
    ASSERT_TRUE(head_or.ok());
    Head& head = **head_or;
    Model model;
    std::map<Labels, storage::SeriesRef> refs;
    int64_t clock = static_cast<int64_t>(rng() % 1000000) - 500000;
    uint64_t appended = 0;
    std::map<AppendStatus, int> outcomes;

    for (int batch = 0; batch < 150; ++batch) {
      auto app = head.NewAppender();
      ModelAppender mapp(&model);
      const int n = static_cast<int>(rng() % 40);
      for (int i = 0; i < n; ++i) {
        clock += static_cast<int64_t>(rng() % 20000);
        Labels l = rng() % 50 == 0 ? Labels() : RandomLabels(rng);
        auto it = model.series.find(l);
        const std::vector<BitSample>* committed = it == model.series.end() ? nullptr : &it->second;
        int64_t t = clock;
        switch (rng() % 10) {
          case 0:  // at or before the series' newest
            if (committed && !committed->empty()) {
              t = committed->back().t - static_cast<int64_t>(rng() % 3);
            }
            break;
          case 1:  // older than the head accepts, or close to that bound
            t = clock - kRange / 2 - 30000 + static_cast<int64_t>(rng() % 60000);
            break;
          case 2:
            t = clock - static_cast<int64_t>(rng() % 100000);
            break;
          default:
            break;
        }
        uint64_t bits = RandomValueBits(rng, committed);
        storage::SeriesRef ref = 0;
        if (auto r = refs.find(l); r != refs.end() && rng() % 4 != 0) ref = r->second;
        AppendStatus want = mapp.Append(l, t, bits);
        auto got = app->Append(ref, l, t, std::bit_cast<double>(bits));
        ASSERT_EQ(got.status, want) << l.ToString() << " t=" << t;
        ++outcomes[got.status];
        if (got.ok()) {
          refs[l] = got.ref;
          ++appended;
        }
      }
      if (rng() % 5 == 0) {
        app->Rollback();
      } else {
        ASSERT_TRUE(app->Commit().ok());
        mapp.Commit();
      }
      if (batch % 15 == 0) CheckQueries(head, model, rng, 20);
      if (HasFailure()) return;
    }
    CheckQueries(head, model, rng, 200);
    if (HasFailure()) return;
    size_t stored = 0;
    for (const auto& [l, s] : model.series) stored += s.size();
    EXPECT_EQ(head.Stats().samples_appended, stored);
    EXPECT_GT(stored, 1000u);
    EXPECT_GT(appended, stored);
    // Every outcome happened.
    EXPECT_GT(outcomes[AppendStatus::kOutOfOrder], 10);
    EXPECT_GT(outcomes[AppendStatus::kDuplicateTimestamp], 10);
    EXPECT_GT(outcomes[AppendStatus::kOutOfBounds], 10);
    EXPECT_GT(outcomes[AppendStatus::kInvalidLabels],
              10);  // some rolled back, same-sample repeats, in-batch disorder
  }
}

}  // namespace
}  // namespace tsdbd::tsdb
