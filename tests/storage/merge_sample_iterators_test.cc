// MergeSampleIterators against a naive model: the union of the sources' samples by
// timestamp, the earliest source winning on equal timestamps, walked by random Next and Seek
// calls. The sources are chained (as blocks and the head are), overlapping, or both.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <map>
#include <random>
#include <string>

#include "lib/model/value.h"
#include "lib/storage/merge_querier.h"
#include "lib/storage/series_list.h"

namespace tsdbd::storage {
namespace {

// Samples at increasing timestamps from `start`, gaps of 1..max_gap; some values are stale
// markers, which the merge must pass on like any other value.
std::vector<Sample> RandomSamples(std::mt19937& rng, int64_t start, int n, int max_gap,
                                  int source) {
  std::vector<Sample> out;
  int64_t t = start;
  for (int i = 0; i < n; ++i) {
    const double v = rng() % 10 == 0 ? StaleNaN() : source * 1000.0 + i;
    out.push_back({t, v});
    t += 1 + static_cast<int64_t>(rng() % static_cast<unsigned>(max_gap));
  }
  return out;
}

// The sources of one round: chained like blocks (each starts after the previous one ends,
// or exactly where it ends), or overlapping at random, or one copy of another.
std::vector<std::vector<Sample>> RandomSources(std::mt19937& rng) {
  const int n = 1 + static_cast<int>(rng() % 4);
  std::vector<std::vector<Sample>> sources;
  int64_t next_start = static_cast<int64_t>(rng() % 5);
  for (int s = 0; s < n; ++s) {
    const int len = static_cast<int>(rng() % 30);
    switch (rng() % 4) {
      case 0:
      case 1:  // chained
        sources.push_back(RandomSamples(rng, next_start, len, 4, s));
        break;
      case 2:  // anywhere in the same span
        sources.push_back(RandomSamples(rng, static_cast<int64_t>(rng() % 60), len, 3, s));
        break;
      default:  // a copy of an earlier source with other values (vertical overlap)
        sources.push_back(sources.empty() ? std::vector<Sample>{} : sources[rng() % s]);
        for (Sample& x : sources.back()) x.v += 0.5;
    }
    if (!sources.back().empty()) next_start = sources.back().back().t + rng() % 3;
  }
  return sources;
}

std::vector<Sample> NaiveMerge(const std::vector<std::vector<Sample>>& sources) {
  std::map<int64_t, double> by_time;
  for (const auto& s : sources) {
    for (const Sample& x : s) by_time.emplace(x.t, x.v);  // the earlier source stays
  }
  std::vector<Sample> out;
  for (auto [t, v] : by_time) out.push_back({t, v});
  return out;
}

// The naive iterator: an index into the merged samples.
struct Model {
  const std::vector<Sample>* samples;
  size_t pos = static_cast<size_t>(-1);
  bool Next() {
    pos = pos == static_cast<size_t>(-1) ? 0 : std::min(pos + 1, samples->size());
    return pos < samples->size();
  }
  bool Seek(int64_t t) {
    if (pos == static_cast<size_t>(-1)) pos = 0;
    while (pos < samples->size() && (*samples)[pos].t < t) ++pos;
    return pos < samples->size();
  }
};

bool SameBits(double a, double b) {
  return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
}

TEST(MergeSampleIteratorsModel, RandomNextAndSeekAgreeWithANaiveMerge) {
  std::mt19937 rng(7);
  for (int round = 0; round < 3000; ++round) {
    const auto sources = RandomSources(rng);
    const std::vector<Sample> want = NaiveMerge(sources);
    std::vector<std::unique_ptr<SampleIterator>> its;
    for (const auto& s : sources) its.push_back(std::make_unique<VectorSampleIterator>(&s));
    auto got = MergeSampleIterators(std::move(its));
    Model model{&want};
    const int64_t last = want.empty() ? 0 : want.back().t;
    std::string trace;
    for (int op = 0; op < 60; ++op) {
      bool g, w;
      if (rng() % 3 == 0) {
        const int64_t t = static_cast<int64_t>(rng() % static_cast<unsigned>(last + 10)) - 5;
        trace += " Seek(" + std::to_string(t) + ")";
        g = got->Seek(t);
        w = model.Seek(t);
      } else {
        trace += " Next";
        g = got->Next();
        w = model.Next();
      }
      ASSERT_EQ(g, w) << "round " << round << ":" << trace;
      if (!w) continue;
      const Sample a = got->At(), b = want[model.pos];
      ASSERT_EQ(a.t, b.t) << "round " << round << ":" << trace;
      ASSERT_TRUE(SameBits(a.v, b.v))
          << "round " << round << ":" << trace << " " << a.v << " != " << b.v;
    }
    EXPECT_TRUE(got->Err().ok());
  }
}

// A source that fails after its samples, as a corrupt chunk does.
class FailingIterator final : public SampleIterator {
 public:
  bool Next() override { return false; }
  bool Seek(int64_t) override { return false; }
  Sample At() const override { return {}; }
  Status Err() const override { return Error("corrupt chunk"); }
};

TEST(MergeSampleIteratorsModel, AnErrorOfAnySourceIsReported) {
  std::vector<Sample> a = {{1, 1}, {2, 2}};
  std::vector<std::unique_ptr<SampleIterator>> its;
  its.push_back(std::make_unique<VectorSampleIterator>(&a));
  its.push_back(std::make_unique<FailingIterator>());
  auto m = MergeSampleIterators(std::move(its));
  while (m->Next()) {
  }
  EXPECT_EQ(m->Err().message(), "corrupt chunk");
}

}  // namespace
}  // namespace tsdbd::storage
