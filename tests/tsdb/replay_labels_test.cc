// The WAL replay's labels: built on several threads, each series' labels and hash are the ones
// built one by one.
#include "lib/tsdb/head/replay_labels.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tsdbd::tsdb {
namespace {

std::vector<record::RefSeries> Record(size_t n) {
  std::vector<record::RefSeries> series;
  for (size_t i = 0; i < n; ++i) {
    // Unsorted names, and every 100th label set repeated: the record as a WAL may hold it.
    const std::string id = std::to_string(i % 100 == 99 ? i - 1 : i);
    const std::string job(1 + i % 7, 'j');
    series.push_back({i + 1, {{"job", job}, {"__name__", "m"}, {"id", id}}});
  }
  return series;
}

Labels OneByOne(const record::RefSeries& rs) {
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  for (const record::Label& l : rs.labels) pairs.emplace_back(l.name, l.value);
  return Labels::FromPairs(pairs);
}

void ExpectBuiltOneByOne(size_t series_count, size_t threads) {
  const std::vector<record::RefSeries> series = Record(series_count);
  ReplayLabels got;
  got.labels.resize(3);  // left from a bigger record before
  BuildReplayLabels(series, threads, &got);
  ASSERT_EQ(got.labels.size(), series.size());
  ASSERT_EQ(got.hashes.size(), series.size());
  for (size_t i = 0; i < series.size(); ++i) {
    const Labels want = OneByOne(series[i]);
    ASSERT_EQ(got.labels[i], want) << i;
    ASSERT_EQ(got.hashes[i], want.Hash()) << i;
  }
}

TEST(ReplayLabelsTest, ARecordSplitOverThreadsBuildsEverySeries) {
  ExpectBuiltOneByOne(10'007, 4);  // several slices of uneven size
}

TEST(ReplayLabelsTest, ASmallRecordOrOneThreadIsBuiltHere) {
  ExpectBuiltOneByOne(5, 4);
  ExpectBuiltOneByOne(3000, 1);
  ExpectBuiltOneByOne(0, 2);
}

}  // namespace
}  // namespace tsdbd::tsdb
