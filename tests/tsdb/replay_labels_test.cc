// The WAL replay's labels: decoded as views of the record and built on several threads, each
// series' labels and hash are the ones a builder makes one by one.
#include "lib/tsdb/head/replay_labels.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lib/tsdb/record/encoder.h"

namespace tsdbd::tsdb {
namespace {

std::vector<record::RefSeries> Series(size_t n) {
  std::vector<record::RefSeries> series;
  for (size_t i = 0; i < n; ++i) {
    // Sorted names as Prometheus writes them, some unsorted, some with an empty value, and
    // every 100th label set repeated: the record as a WAL may hold it.
    const std::string id = std::to_string(i % 100 == 99 ? i - 1 : i);
    const std::string job(1 + i % 7, 'j');
    if (i % 3 == 0) {
      series.push_back({i + 1, {{"job", job}, {"__name__", "m"}, {"id", id}}});
    } else if (i % 3 == 1) {
      series.push_back({i + 1, {{"__name__", "m"}, {"id", id}, {"job", job}, {"z", ""}}});
    } else {
      series.push_back({i + 1, {{"__name__", "m"}, {"id", id}, {"job", job}}});
    }
  }
  return series;
}

// The labels as a builder makes them, set by set: the order and emptiness rules applied.
Labels OneByOne(const record::RefSeries& rs) {
  LabelsBuilder b;
  for (const record::Label& l : rs.labels) b.Set(l.name, l.value);
  return b.Build();
}

void ExpectBuiltOneByOne(size_t series_count, size_t threads) {
  const std::vector<record::RefSeries> series = Series(series_count);
  std::string rec;
  record::EncodeSeries(series, &rec);
  ReplaySeriesRecord decoded;
  ASSERT_TRUE(decoded.Decode(rec).ok());
  ASSERT_EQ(decoded.size(), series.size());
  ReplayLabels got;
  got.labels.resize(3);  // left from a bigger record before
  BuildReplayLabels(decoded, threads, &got);
  ASSERT_EQ(got.labels.size(), series.size());
  ASSERT_EQ(got.hashes.size(), series.size());
  for (size_t i = 0; i < series.size(); ++i) {
    ASSERT_EQ(decoded.refs[i], series[i].ref);
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

TEST(ReplayLabelsTest, AMalformedRecordFailsAsDecodeSeriesFails) {
  std::string rec;
  record::EncodeSeries(Series(10), &rec);
  rec.resize(rec.size() - 2);
  ReplaySeriesRecord decoded;
  std::vector<record::RefSeries> copied;
  const Status got = decoded.Decode(rec);
  const Status want = record::DecodeSeries(rec, &copied);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.message(), want.message());
}

}  // namespace
}  // namespace tsdbd::tsdb
