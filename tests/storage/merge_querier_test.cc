#include "lib/storage/merge_querier.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "lib/storage/series_list.h"

namespace tsdbd::storage {
namespace {

// A querier over fixed series, ignoring matchers: enough to test merging.
class FixedQuerier final : public Querier {
 public:
  FixedQuerier(std::vector<std::shared_ptr<const Series>> series, bool fail = false)
      : series_(std::move(series)), fail_(fail) {}
  std::unique_ptr<SeriesSet> Select(bool, const SelectHints*, std::span<const Matcher>) override {
    if (fail_) return std::make_unique<ErrorSeriesSet>(Error("boom"));
    return std::make_unique<ListSeriesSet>(series_, std::vector<std::string>{"w"});
  }
  Result<std::vector<std::string>> LabelValues(std::string_view name,
                                               std::span<const Matcher>) override {
    std::set<std::string> out;
    for (const auto& s : series_) {
      if (auto v = s->labels().Get(name); !v.empty()) out.emplace(v);
    }
    return std::vector<std::string>(out.begin(), out.end());
  }
  Result<std::vector<std::string>> LabelNames(std::span<const Matcher>) override {
    std::set<std::string> out;
    for (const auto& s : series_) {
      for (const Label l : s->labels()) out.emplace(l.name);
    }
    return std::vector<std::string>(out.begin(), out.end());
  }

 private:
  std::vector<std::shared_ptr<const Series>> series_;
  bool fail_;
};

std::vector<Sample> Drain(SampleIterator& it) {
  std::vector<Sample> out;
  while (it.Next()) out.push_back(it.At());
  return out;
}

bool SameSamples(const std::vector<Sample>& a, const std::vector<Sample>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const Sample& x, const Sample& y) { return x.t == y.t && x.v == y.v; });
}

TEST(MergeSampleIterators, FirstSourceWinsOnEqualTimestamps) {
  std::vector<Sample> a = {{1, 10}, {3, 30}, {5, 50}};
  std::vector<Sample> b = {{2, 200}, {3, 300}, {6, 600}};
  std::vector<std::unique_ptr<SampleIterator>> its;
  its.push_back(std::make_unique<VectorSampleIterator>(&a));
  its.push_back(std::make_unique<VectorSampleIterator>(&b));
  auto merged = MergeSampleIterators(std::move(its));
  EXPECT_TRUE(SameSamples(Drain(*merged), {{1, 10}, {2, 200}, {3, 30}, {5, 50}, {6, 600}}));
}

TEST(MergeSampleIterators, SeekNeverMovesBackwards) {
  std::vector<Sample> a = {{1, 1}, {4, 4}, {9, 9}};
  std::vector<Sample> b = {{2, 2}, {4, 40}, {7, 7}};
  std::vector<std::unique_ptr<SampleIterator>> its;
  its.push_back(std::make_unique<VectorSampleIterator>(&a));
  its.push_back(std::make_unique<VectorSampleIterator>(&b));
  auto m = MergeSampleIterators(std::move(its));
  ASSERT_TRUE(m->Seek(3));
  EXPECT_EQ(m->At().t, 4);
  EXPECT_EQ(m->At().v, 4);
  ASSERT_TRUE(m->Seek(0));  // stays put
  EXPECT_EQ(m->At().t, 4);
  ASSERT_TRUE(m->Next());
  EXPECT_EQ(m->At().t, 7);
  ASSERT_TRUE(m->Seek(8));
  EXPECT_EQ(m->At().t, 9);
  EXPECT_FALSE(m->Seek(10));
  EXPECT_FALSE(m->Next());
}

TEST(MergeQuerier, RandomSourcesAgreeWithANaiveMerge) {
  std::mt19937 rng(42);
  for (int round = 0; round < 50; ++round) {
    const int sources = 1 + static_cast<int>(rng() % 4);
    std::vector<std::unique_ptr<Querier>> queriers;
    // Expected: labels -> timestamp -> value of the first source that has it.
    std::map<std::string, std::pair<Labels, std::map<int64_t, double>>> expected;
    for (int s = 0; s < sources; ++s) {
      std::map<std::string, std::shared_ptr<const Series>> by_key;  // sorted like Labels
      std::vector<std::shared_ptr<const Series>> series;
      for (int k = 0; k < 8; ++k) {
        if (rng() % 2) continue;
        Labels labels{{"__name__", "m"}, {"k", std::to_string(k)}};
        std::vector<Sample> samples;
        int64_t t = static_cast<int64_t>(rng() % 5);
        for (int i = 0, n = static_cast<int>(rng() % 10); i < n; ++i) {
          samples.push_back({t, static_cast<double>(s * 1000 + i)});
          t += 1 + static_cast<int64_t>(rng() % 3);
        }
        auto& exp = expected[labels.ToString()];
        exp.first = labels;
        for (const Sample& x : samples) exp.second.emplace(x.t, x.v);  // first source wins
        series.push_back(std::make_shared<ListSeries>(labels, samples));
      }
      std::sort(series.begin(), series.end(),
                [](const auto& a, const auto& b) { return a->labels() < b->labels(); });
      queriers.push_back(std::make_unique<FixedQuerier>(series));
    }
    auto q = NewMergeQuerier(std::move(queriers));
    Matcher m = Matcher::MustMake(Matcher::Type::kEqual, "__name__", "m");
    auto set = q->Select(true, nullptr, std::span(&m, 1));
    std::vector<std::pair<Labels, std::vector<Sample>>> got;
    while (set->Next()) {
      auto it = set->At()->Iterator();
      got.emplace_back(set->At()->labels(), Drain(*it));
    }
    ASSERT_TRUE(set->Err().ok());
    std::vector<std::pair<Labels, std::vector<Sample>>> want;
    for (auto& [key, e] : expected) {
      std::vector<Sample> samples;
      for (auto [t, v] : e.second) samples.push_back({t, v});
      want.emplace_back(e.first, samples);
    }
    std::sort(want.begin(), want.end(), [](auto& a, auto& b) { return a.first < b.first; });
    ASSERT_EQ(got.size(), want.size()) << "round " << round;
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].first, want[i].first);
      EXPECT_TRUE(SameSamples(got[i].second, want[i].second)) << got[i].first.ToString();
    }
  }
}

TEST(MergeQuerier, LabelNamesAndValuesAreSortedUnions) {
  std::vector<std::unique_ptr<Querier>> queriers;
  queriers.push_back(std::make_unique<FixedQuerier>(std::vector<std::shared_ptr<const Series>>{
      std::make_shared<ListSeries>(Labels{{"a", "1"}, {"b", "x"}}, std::vector<Sample>{})}));
  queriers.push_back(std::make_unique<FixedQuerier>(std::vector<std::shared_ptr<const Series>>{
      std::make_shared<ListSeries>(Labels{{"a", "0"}, {"c", "y"}}, std::vector<Sample>{})}));
  auto q = NewMergeQuerier(std::move(queriers));
  EXPECT_EQ(*q->LabelValues("a", {}), (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(*q->LabelNames({}), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(MergeQuerier, AnErrorFailsTheSelectAndWarningsAreKept) {
  std::vector<std::unique_ptr<Querier>> queriers;
  queriers.push_back(std::make_unique<FixedQuerier>(std::vector<std::shared_ptr<const Series>>{
      std::make_shared<ListSeries>(Labels{{"a", "1"}}, std::vector<Sample>{{1, 1}})}));
  queriers.push_back(std::make_unique<FixedQuerier>(std::vector<std::shared_ptr<const Series>>{},
                                                    /*fail=*/true));
  auto q = NewMergeQuerier(std::move(queriers));
  auto set = q->Select(true, nullptr, {});
  while (set->Next()) {
  }
  EXPECT_FALSE(set->Err().ok());
  EXPECT_EQ(set->Err().message(), "boom");
}

}  // namespace
}  // namespace tsdbd::storage
