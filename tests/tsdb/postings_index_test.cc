// The postings index: add, delete, look-ups, label names/values, matchers, stats.
#include "lib/tsdb/index/postings_index.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lib/tsdb/index/postings_matchers.h"

namespace tsdbd::tsdb::index {
namespace {

using T = Matcher::Type;

std::vector<uint64_t> Select(const PostingsIndex& ix, std::vector<Matcher> ms) {
  auto p = PostingsForMatchers(ix, ms);
  return ExpandPostings(*p);
}

class PostingsIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ix_.Add(1, Labels{{"__name__", "up"}, {"job", "a"}, {"instance", "x"}});
    ix_.Add(3, Labels{{"__name__", "up"}, {"job", "b"}, {"instance", "y"}});
    ix_.Add(2, Labels{{"__name__", "down"}, {"job", "a"}});  // out of order: stays sorted
    ix_.Add(4, Labels{{"__name__", "up"}, {"job", "ab"}, {"instance", ""}});
  }
  PostingsIndex ix_;
};

TEST_F(PostingsIndexTest, LookUps) {
  EXPECT_EQ(ExpandPostings(*ix_.Get("job", "a")), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(ExpandPostings(*ix_.All()), (std::vector<uint64_t>{1, 2, 3, 4}));
  EXPECT_TRUE(ExpandPostings(*ix_.Get("job", "zzz")).empty());
  EXPECT_TRUE(ExpandPostings(*ix_.Get("nope", "a")).empty());
  EXPECT_EQ(ix_.LabelNames(), (std::vector<std::string>{"__name__", "instance", "job"}));
  EXPECT_EQ(ix_.LabelValues("job"), (std::vector<std::string>{"a", "ab", "b"}));
  EXPECT_TRUE(ix_.LabelValues("nope").empty());
  EXPECT_EQ(ix_.NumSeries(), 4u);
}

TEST_F(PostingsIndexTest, Matchers) {
  EXPECT_EQ(Select(ix_, {Matcher::MustMake(T::kEqual, "__name__", "up")}),
            (std::vector<uint64_t>{1, 3, 4}));
  EXPECT_EQ(Select(ix_, {Matcher::MustMake(T::kEqual, "__name__", "up"),
                         Matcher::MustMake(T::kNotEqual, "job", "a")}),
            (std::vector<uint64_t>{3, 4}));
  // instance="" selects the series without the label.
  EXPECT_EQ(Select(ix_, {Matcher::MustMake(T::kEqual, "instance", "")}),
            (std::vector<uint64_t>{2, 4}));
  EXPECT_EQ(Select(ix_, {Matcher::MustMake(T::kNotEqual, "instance", "")}),
            (std::vector<uint64_t>{1, 3}));
  EXPECT_EQ(Select(ix_, {Matcher::MustMake(T::kRegexMatch, "job", "a|b")}),
            (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(Select(ix_, {Matcher::MustMake(T::kRegexMatch, "job", "a.*")}),
            (std::vector<uint64_t>{1, 2, 4}));
  EXPECT_EQ(Select(ix_, {Matcher::MustMake(T::kRegexNoMatch, "job", "a|b")}),
            (std::vector<uint64_t>{4}));
  EXPECT_EQ(Select(ix_, {Matcher::MustMake(T::kRegexMatch, "instance", "x|")}),
            (std::vector<uint64_t>{1, 2, 4}));
  EXPECT_EQ(Select(ix_, {Matcher::MustMake(T::kRegexNoMatch, "instance", ".*")}),
            (std::vector<uint64_t>{}));
  EXPECT_EQ(Select(ix_, {Matcher::MustMake(T::kRegexMatch, "instance", ".+")}),
            (std::vector<uint64_t>{1, 3}));
  // Conflicting matchers on one name.
  EXPECT_EQ(Select(ix_, {Matcher::MustMake(T::kEqual, "job", "a"),
                         Matcher::MustMake(T::kEqual, "job", "b")}),
            (std::vector<uint64_t>{}));
  EXPECT_EQ(Select(ix_, {Matcher::MustMake(T::kEqual, "job", "a"),
                         Matcher::MustMake(T::kRegexMatch, "job", "a|")}),
            (std::vector<uint64_t>{1, 2}));
}

TEST_F(PostingsIndexTest, Delete) {
  std::vector<std::pair<uint64_t, Labels>> gone = {
      {1, Labels{{"__name__", "up"}, {"job", "a"}, {"instance", "x"}}}};
  ix_.Delete(gone);
  EXPECT_EQ(ExpandPostings(*ix_.Get("job", "a")), (std::vector<uint64_t>{2}));
  EXPECT_EQ(ix_.LabelValues("instance"), (std::vector<std::string>{"y"}));
  EXPECT_EQ(ExpandPostings(*ix_.All()), (std::vector<uint64_t>{2, 3, 4}));
}

TEST_F(PostingsIndexTest, ListsAreSnapshots) {
  auto p = ix_.Get("job", "a");
  ix_.Add(9, Labels{{"job", "a"}});
  EXPECT_EQ(ExpandPostings(*p), (std::vector<uint64_t>{1, 2}));
}

TEST_F(PostingsIndexTest, Stats) {
  PostingsStats st = ix_.Stats(2);
  ASSERT_EQ(st.series_count_by_metric_name.size(), 2u);
  EXPECT_EQ(st.series_count_by_metric_name[0].name, "up");
  EXPECT_EQ(st.series_count_by_metric_name[0].count, 3u);
  EXPECT_EQ(st.series_count_by_metric_name[1].name, "down");
  ASSERT_EQ(st.label_value_count_by_label_name.size(), 2u);
  EXPECT_EQ(st.label_value_count_by_label_name[0].name, "job");
  EXPECT_EQ(st.label_value_count_by_label_name[0].count, 3u);
  EXPECT_EQ(st.series_count_by_label_value_pair[0].name, "__name__=up");
  EXPECT_EQ(st.series_count_by_label_value_pair[0].count, 3u);
  // Bytes of distinct values: __name__ "up"+"down" = 6, job "a"+"b"+"ab" = 4.
  EXPECT_EQ(st.memory_in_bytes_by_label_name[0].name, "__name__");
  EXPECT_EQ(st.memory_in_bytes_by_label_name[0].count, 6u);
  EXPECT_EQ(st.num_label_pairs, 7u);
}

}  // namespace
}  // namespace tsdbd::tsdb::index

namespace tsdbd::tsdb::index {
namespace {

TEST(PostingsListTest, CopyOnWrite) {
  PostingsList a;
  for (uint64_t r : {5, 1, 3, 3, 9, 7}) a.Insert(r);
  EXPECT_EQ(std::vector<uint64_t>(a.refs().begin(), a.refs().end()),
            (std::vector<uint64_t>{1, 3, 5, 7, 9}));
  PostingsList b = a;  // shares the block
  auto it = ListPostings(a);
  a.Insert(4);
  a.RemoveIf([](uint64_t r) { return r == 1; });
  EXPECT_EQ(std::vector<uint64_t>(a.refs().begin(), a.refs().end()),
            (std::vector<uint64_t>{3, 4, 5, 7, 9}));
  EXPECT_EQ(std::vector<uint64_t>(b.refs().begin(), b.refs().end()),
            (std::vector<uint64_t>{1, 3, 5, 7, 9}));
  EXPECT_EQ(ExpandPostings(*it), (std::vector<uint64_t>{1, 3, 5, 7, 9}));
  a.RemoveIf([](uint64_t) { return true; });
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(a.MemoryBytes(), 0u);
  EXPECT_EQ(b.size(), 5u);
}

TEST(PostingsListTest, DeleteWhileIterating) {
  PostingsIndex ix;
  for (uint64_t r = 1; r <= 100; ++r) ix.Add(r, Labels{{"a", "b"}});
  auto p = ix.Get("a", "b");
  std::vector<std::pair<uint64_t, Labels>> gone;
  for (uint64_t r = 1; r <= 100; r += 2) gone.emplace_back(r, Labels{{"a", "b"}});
  ix.Delete(gone);
  EXPECT_EQ(ExpandPostings(*p).size(), 100u);
  EXPECT_EQ(ExpandPostings(*ix.Get("a", "b")).size(), 50u);
}

}  // namespace
}  // namespace tsdbd::tsdb::index
