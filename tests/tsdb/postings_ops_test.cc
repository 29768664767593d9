// Postings set operations against std::set_* on random lists, and Seek semantics.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "lib/tsdb/index/postings.h"
#include "lib/tsdb/index/postings_list.h"

namespace tsdbd::tsdb::index {
namespace {

std::vector<uint64_t> RandomList(std::mt19937_64& rng, size_t max_len, uint64_t max_value) {
  std::vector<uint64_t> v(rng() % (max_len + 1));
  for (auto& x : v) x = 1 + rng() % max_value;
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

TEST(PostingsOpsTest, ListNextAndSeek) {
  auto p = ListPostings({2, 4, 6, 8});
  ASSERT_TRUE(p->Seek(3));  // before the first Next: considers the first element
  EXPECT_EQ(p->At(), 4u);
  ASSERT_TRUE(p->Seek(1));  // never moves backwards
  EXPECT_EQ(p->At(), 4u);
  ASSERT_TRUE(p->Seek(4));
  EXPECT_EQ(p->At(), 4u);
  ASSERT_TRUE(p->Next());
  EXPECT_EQ(p->At(), 6u);
  ASSERT_TRUE(p->Seek(8));
  EXPECT_EQ(p->At(), 8u);
  EXPECT_FALSE(p->Next());
  EXPECT_FALSE(p->Seek(0));  // after false, always false
  EXPECT_FALSE(p->Next());
}

TEST(PostingsOpsTest, SeekPastEnd) {
  auto p = ListPostings({2, 4});
  EXPECT_FALSE(p->Seek(5));
  EXPECT_FALSE(p->Next());
  auto e = EmptyPostings();
  EXPECT_FALSE(e->Next());
  EXPECT_FALSE(e->Seek(0));
}

TEST(PostingsOpsTest, EmptyInputs) {
  EXPECT_FALSE(Intersect({})->Next());
  EXPECT_FALSE(Merge({})->Next());
  std::vector<PostingsPtr> one;
  one.push_back(ListPostings({1, 2}));
  one.push_back(EmptyPostings());
  EXPECT_FALSE(Intersect(std::move(one))->Next());
  auto w = Without(ListPostings({1, 2, 3}), EmptyPostings());
  EXPECT_EQ(ExpandPostings(*w), (std::vector<uint64_t>{1, 2, 3}));
  auto w2 = Without(EmptyPostings(), ListPostings({1}));
  EXPECT_TRUE(ExpandPostings(*w2).empty());
}

// A reference implementation of Seek over an expected list.
class Expect {
 public:
  explicit Expect(std::vector<uint64_t> v) : v_(std::move(v)) {}
  bool Next() {
    i_ = started_ ? i_ + 1 : 0;
    started_ = true;
    return i_ < v_.size();
  }
  bool Seek(uint64_t x) {
    size_t from = started_ ? i_ : 0;
    if (started_ && i_ >= v_.size()) return false;
    started_ = true;
    i_ = static_cast<size_t>(
        std::lower_bound(v_.begin() + static_cast<std::ptrdiff_t>(from), v_.end(), x) - v_.begin());
    return i_ < v_.size();
  }
  uint64_t At() const { return v_[i_]; }

 private:
  std::vector<uint64_t> v_;
  size_t i_ = 0;
  bool started_ = false;
};

void CheckAgainst(Postings& p, const std::vector<uint64_t>& want, std::mt19937_64& rng,
                  uint64_t max_value) {
  Expect e(want);
  for (int step = 0; step < 200; ++step) {
    bool got, exp;
    if (rng() % 3 == 0) {
      uint64_t x = rng() % (max_value + 2);
      got = p.Seek(x);
      exp = e.Seek(x);
      ASSERT_EQ(got, exp) << "Seek(" << x << ")";
    } else {
      got = p.Next();
      exp = e.Next();
      ASSERT_EQ(got, exp) << "Next()";
    }
    if (!exp) break;
    ASSERT_EQ(p.At(), e.At());
  }
}

TEST(PostingsOpsTest, RandomAgainstStdSetOperations) {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 2000; ++round) {
    const uint64_t max_value = 1 + rng() % 200;
    const size_t n = 1 + rng() % 4;
    std::vector<std::vector<uint64_t>> lists;
    for (size_t i = 0; i < n; ++i) lists.push_back(RandomList(rng, 60, max_value));

    std::vector<uint64_t> inter = lists[0], uni = lists[0];
    for (size_t i = 1; i < n; ++i) {
      std::vector<uint64_t> a, b;
      std::set_intersection(inter.begin(), inter.end(), lists[i].begin(), lists[i].end(),
                            std::back_inserter(a));
      std::set_union(uni.begin(), uni.end(), lists[i].begin(), lists[i].end(),
                     std::back_inserter(b));
      inter = std::move(a);
      uni = std::move(b);
    }
    std::vector<uint64_t> diff;
    std::vector<uint64_t> drop = RandomList(rng, 60, max_value);
    std::set_difference(lists[0].begin(), lists[0].end(), drop.begin(), drop.end(),
                        std::back_inserter(diff));

    auto make = [&] {
      std::vector<PostingsPtr> its;
      for (auto& l : lists) its.push_back(ListPostings(l));
      return its;
    };
    {
      // The same over shared lists (galloping Seek).
      std::vector<PostingsPtr> its;
      for (auto& l : lists) {
        PostingsList pl;
        for (uint64_t r : l) pl.Insert(r);
        its.push_back(ListPostings(pl));
      }
      auto q = Intersect(std::move(its));
      CheckAgainst(*q, inter, rng, max_value);
      PostingsList single;
      for (uint64_t r : lists[0]) single.Insert(r);
      auto s1 = ListPostings(single);
      CheckAgainst(*s1, lists[0], rng, max_value);
    }
    {
      auto p = Intersect(make());
      EXPECT_EQ(ExpandPostings(*p), inter);
      auto q = Intersect(make());
      CheckAgainst(*q, inter, rng, max_value);
    }
    {
      auto p = Merge(make());
      EXPECT_EQ(ExpandPostings(*p), uni);
      auto q = Merge(make());
      CheckAgainst(*q, uni, rng, max_value);
    }
    {
      auto p = Without(ListPostings(lists[0]), ListPostings(drop));
      EXPECT_EQ(ExpandPostings(*p), diff);
      auto q = Without(ListPostings(lists[0]), ListPostings(drop));
      CheckAgainst(*q, diff, rng, max_value);
    }
    {
      // Nested: (merge of all) without drop, intersected with list 0.
      std::vector<PostingsPtr> its;
      its.push_back(Without(Merge(make()), ListPostings(drop)));
      its.push_back(ListPostings(lists[0]));
      auto p = Intersect(std::move(its));
      EXPECT_EQ(ExpandPostings(*p), diff);
    }
    if (HasFailure()) break;
  }
}

}  // namespace
}  // namespace tsdbd::tsdb::index
