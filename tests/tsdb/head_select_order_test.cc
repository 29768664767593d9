// The head's sorted Select orders series exactly as Compare does, whatever their shapes:
// label sets of different sizes and names, values that are prefixes of others, labels that
// are the same in every series, and creation orders unrelated to the label order.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "tests/tsdb/head_test_util.h"

namespace tsdbd::tsdb {
namespace {

// Random labels over a small alphabet, so that series share names, values and prefixes.
Labels RandomLabels(std::mt19937& rng) {
  static const std::vector<std::string> kNames = {"a", "aa", "b", "job", "zz"};
  static const std::vector<std::string> kValues = {"x", "xx", "xy", "y", "1", "10", "9", "Z"};
  LabelsBuilder b;
  b.Set("__name__", "m");
  b.Set("const", "same");
  for (const std::string& name : kNames) {
    if (rng() % 3 != 0) b.Set(name, kValues[rng() % kValues.size()]);
  }
  return b.Build();
}

TEST(HeadSelectOrder, SortedSelectOrdersAsCompare) {
  std::mt19937 rng(11);
  for (int round = 0; round < 20; ++round) {
    auto head = Head::Open(testing::MemOptions());
    ASSERT_TRUE(head.ok());
    std::vector<Labels> created;
    auto app = (*head)->NewAppender();
    const int n = 1 + static_cast<int>(rng() % 300);
    for (int i = 0; i < n; ++i) {
      const Labels labels = RandomLabels(rng);
      ASSERT_TRUE(app->Append(0, labels, 1000, 1.0).ok());
      created.push_back(labels);
    }
    ASSERT_TRUE(app->Commit().ok());
    std::sort(created.begin(), created.end());
    created.erase(std::unique(created.begin(), created.end()), created.end());

    const auto got = testing::SelectAll(**head, 0, 2000, {testing::Eq("__name__", "m")});
    ASSERT_EQ(got.size(), created.size());
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].labels, created[i])
          << "round " << round << " position " << i << ": " << got[i].labels.ToString() << " where "
          << created[i].ToString() << " belongs";
    }
  }
}

TEST(HeadSelectOrder, SeriesDifferingOnlyInLength) {
  auto head = Head::Open(testing::MemOptions());
  ASSERT_TRUE(head.ok());
  auto app = (*head)->NewAppender();
  const std::vector<Labels> labels = {
      Labels{{"__name__", "m"}, {"a", "1"}, {"b", "2"}},
      Labels{{"__name__", "m"}, {"a", "1"}},
      Labels{{"__name__", "m"}, {"a", "1"}, {"b", "2"}, {"c", "3"}},
  };
  for (const Labels& l : labels) ASSERT_TRUE(app->Append(0, l, 1000, 1.0).ok());
  ASSERT_TRUE(app->Commit().ok());
  const auto got = testing::SelectAll(**head, 0, 2000, {testing::Eq("__name__", "m")});
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].labels, labels[1]);
  EXPECT_EQ(got[1].labels, labels[0]);
  EXPECT_EQ(got[2].labels, labels[2]);
}

}  // namespace
}  // namespace tsdbd::tsdb
