// The ingester predicts each line from the previous scrape's order; bodies that reorder,
// drop and add lines must still land on the right series.
#include <gtest/gtest.h>

#include <cmath>

#include "lib/scrape/loop/scrape_ingester.h"
#include "tests/scrape/loop_test_util.h"

namespace tsdbd::scrape {
namespace {

using testing::RecordingStorage;

void Scrape(ScrapeIngester& ingester, RecordingStorage& db, const std::string& body, int64_t t) {
  auto app = db.NewAppender();
  IngestCounts counts;
  ASSERT_TRUE(ingester.Ingest(*app, body, "text/plain; version=0.0.4", t, &counts).ok());
  ASSERT_TRUE(app->Commit().ok());
  ingester.OnBatchCommitted();
}

double Last(const RecordingStorage& db, const Labels& l) {
  const auto samples = db.Samples(l);
  return samples.empty() ? -1 : samples.back().v;
}

TEST(IngestOrder, ReorderedDroppedAndAddedLinesLandOnTheirSeries) {
  RecordingStorage db;
  ScrapeIngester ingester(Labels{{"job", "j"}}, {}, IngestOptions{});
  Scrape(ingester, db, "a 1\nb 2\nc 3\nd 4\n", 1000);
  Scrape(ingester, db, "c 30\na 10\nd 40\ne 50\n", 2000);  // b gone, e new, order changed
  Scrape(ingester, db, "a 100\nc 300\nd 400\ne 500\nb 200\n", 3000);
  const auto l = [](const char* name) { return Labels{{"__name__", name}, {"job", "j"}}; };
  EXPECT_EQ(Last(db, l("a")), 100);
  EXPECT_EQ(Last(db, l("b")), 200);
  EXPECT_EQ(Last(db, l("c")), 300);
  EXPECT_EQ(Last(db, l("d")), 400);
  EXPECT_EQ(Last(db, l("e")), 500);
  // b went stale at 2000 when it vanished.
  const auto b = db.Samples(l("b"));
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[1].t, 2000);
  EXPECT_TRUE(std::isnan(b[1].v));
  for (const char* name : {"a", "c", "d"}) EXPECT_EQ(db.Samples(l(name)).size(), 3u) << name;
}

TEST(IngestOrder, RepeatedIdenticalScrapesUseEveryLine) {
  RecordingStorage db;
  ScrapeIngester ingester(Labels{{"job", "j"}}, {}, IngestOptions{});
  std::string body;
  for (int i = 0; i < 500; ++i)
    body += "m{i=\"" + std::to_string(i) + "\"} " + std::to_string(i) + "\n";
  for (int s = 1; s <= 4; ++s) Scrape(ingester, db, body, s * 1000);
  EXPECT_EQ(ingester.CachedSeries(), 500u);
  for (int i : {0, 250, 499}) {
    const auto samples =
        db.Samples(Labels{{"__name__", "m"}, {"i", std::to_string(i)}, {"job", "j"}});
    ASSERT_EQ(samples.size(), 4u);
    EXPECT_EQ(samples.back().v, i);
  }
}

}  // namespace
}  // namespace tsdbd::scrape
