// The ingester keeps the last scrape's body and predicts lines by comparing with it: the
// caller's buffer may go away, and failed scrapes (parse errors, label limits) must leave the
// prediction pointing only at live entries and live text.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "lib/scrape/loop/scrape_ingester.h"
#include "tests/scrape/loop_test_util.h"

namespace tsdbd::scrape {
namespace {

using testing::RecordingStorage;

constexpr std::string_view kText = "text/plain; version=0.0.4";

// One scrape with a body the ingester takes over; the caller's copy is gone right after.
Status Scrape(ScrapeIngester& ingester, RecordingStorage& db, std::string body, int64_t t) {
  auto app = db.NewAppender();
  IngestCounts counts;
  Status s = ingester.Ingest(*app, std::move(body), kText, t, &counts);
  if (!s.ok()) {
    app->Rollback();
    ingester.OnBatchDiscarded();
    app = db.NewAppender();
    ingester.MarkPreviousStale(*app, t);
  }
  EXPECT_TRUE(app->Commit().ok());
  ingester.OnBatchCommitted();
  return s;
}

Labels L(const char* name) {
  return Labels{{"__name__", name}, {"job", "j"}};
}

double Last(const RecordingStorage& db, const Labels& l) {
  const auto samples = db.Samples(l);
  return samples.empty() ? -1 : samples.back().v;
}

// Long lines (heap-allocated strings) so that reading freed text would be caught by ASan.
std::string Line(const std::string& name, double v) {
  return name + "{path=\"/a/rather/long/path/so/the/text/is/not/inline/" + name + "\"} " +
         std::to_string(v) + "\n";
}

Labels Long(const std::string& name) {
  return Labels{{"__name__", name},
                {"job", "j"},
                {"path", "/a/rather/long/path/so/the/text/is/not/inline/" + name}};
}

TEST(IngestBody, OwnedBodiesFromShortLivedBuffersLandOnTheirSeries) {
  RecordingStorage db;
  ScrapeIngester ingester(Labels{{"job", "j"}}, {}, IngestOptions{});
  for (int s = 1; s <= 4; ++s) {
    std::string body;
    for (const char* n : {"aa", "bb", "cc"}) body += Line(n, s * 10.0);
    ASSERT_TRUE(Scrape(ingester, db, std::move(body), s * 1000).ok());
  }
  for (const char* n : {"aa", "bb", "cc"}) {
    const auto samples = db.Samples(Long(n));
    ASSERT_EQ(samples.size(), 4u) << n;
    EXPECT_EQ(samples.back().v, 40) << n;
  }
}

TEST(IngestBody, ParseErrorMidBodyThenGoodScrapeKeepsEveryLineRight) {
  RecordingStorage db;
  ScrapeIngester ingester(Labels{{"job", "j"}}, {}, IngestOptions{});
  ASSERT_TRUE(Scrape(ingester, db, "a 1\nb 2\nc 3\n", 1000).ok());
  // Fails after two lines: the prediction then holds a and b of this body only.
  EXPECT_FALSE(Scrape(ingester, db, "a 5\nb 6\n}bad\n", 2000).ok());
  ASSERT_TRUE(Scrape(ingester, db, "a 10\nb 20\nc 30\n", 3000).ok());
  ASSERT_TRUE(Scrape(ingester, db, "c 300\na 100\nb 200\n", 4000).ok());
  EXPECT_EQ(Last(db, L("a")), 100);
  EXPECT_EQ(Last(db, L("b")), 200);
  EXPECT_EQ(Last(db, L("c")), 300);
  // The failed scrape appended nothing of its own; it marked every series stale at 2000.
  const auto a = db.Samples(L("a"));
  ASSERT_EQ(a.size(), 4u);
  EXPECT_EQ(a[1].t, 2000);
  EXPECT_TRUE(std::isnan(a[1].v));
}

TEST(IngestBody, LabelLimitOnANewSeriesThenGoodScrapeKeepsEveryLineRight) {
  RecordingStorage db;
  IngestOptions options;
  options.label_limit = 3;  // __name__, job and one more
  ScrapeIngester ingester(Labels{{"job", "j"}}, {}, options);
  ASSERT_TRUE(Scrape(ingester, db, "a 1\nb 2\n", 1000).ok());
  // The new series fails the limit after a and b were predicted: its entry is dropped.
  Status s = Scrape(ingester, db, "a 3\nb 4\nx{p=\"1\",q=\"2\"} 5\n", 2000);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("label_limit exceeded"), std::string::npos) << s.message();
  ASSERT_TRUE(Scrape(ingester, db, "b 20\na 10\n", 3000).ok());
  ASSERT_TRUE(Scrape(ingester, db, "b 200\na 100\n", 4000).ok());
  EXPECT_EQ(Last(db, L("a")), 100);
  EXPECT_EQ(Last(db, L("b")), 200);
  EXPECT_EQ(ingester.CachedSeries(), 2u);
}

TEST(IngestBody, StringViewFormKeepsItsOwnCopy) {
  RecordingStorage db;
  ScrapeIngester ingester(Labels{{"job", "j"}}, {}, IngestOptions{});
  for (int s = 1; s <= 3; ++s) {
    std::string body = Line("aa", s) + Line("bb", s * 2);
    auto app = db.NewAppender();
    IngestCounts counts;
    ASSERT_TRUE(ingester.Ingest(*app, std::string_view(body), kText, s * 1000, &counts).ok());
    body.assign(body.size(), '#');  // the caller reuses its buffer at once
    ASSERT_TRUE(app->Commit().ok());
    ingester.OnBatchCommitted();
  }
  EXPECT_EQ(Last(db, Long("aa")), 3);
  EXPECT_EQ(Last(db, Long("bb")), 6);
  EXPECT_EQ(db.Samples(Long("aa")).size(), 3u);
}

}  // namespace
}  // namespace tsdbd::scrape
