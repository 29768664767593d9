// The head replays a WAL that the real Prometheus 2.42 wrote (scraping itself, then killed
// with SIGKILL): every series and sample in it comes back. Skipped without `prometheus`.
#include <gtest/gtest.h>
#include <signal.h>

#include <bit>
#include <chrono>
#include <map>
#include <string>

#include "lib/tsdb/head/head.h"
#include "lib/tsdb/record/decoder.h"
#include "lib/tsdb/wal/reader.h"
#include "lib/tsdb/wal/segments.h"
#include "tests/testing/http_client.h"
#include "tests/testing/process.h"
#include "tests/testing/prometheus_process.h"
#include "tests/tsdb/head_test_util.h"

namespace tsdbd::tsdb {
namespace {

struct RawWal {
  std::map<uint64_t, Labels> series;
  std::vector<record::RefSample> samples;
  int samples_records = 0;
};

RawWal ReadRaw(const std::string& dir) {
  RawWal out;
  auto segs = wal::ListSegments(dir);
  if (!segs.ok()) return out;
  wal::Reader r(*segs);
  std::vector<record::RefSeries> series;
  while (r.Next()) {
    switch (record::RecordType(r.record())) {
      case record::Type::kSeries: {
        series.clear();
        if (!record::DecodeSeries(r.record(), &series).ok()) break;
        for (const auto& s : series) {
          std::vector<std::pair<std::string_view, std::string_view>> p;
          for (const auto& l : s.labels) p.emplace_back(l.name, l.value);
          out.series[s.ref] = Labels::FromPairs(p);
        }
        break;
      }
      case record::Type::kSamples:
        if (record::DecodeSamples(r.record(), &out.samples).ok()) ++out.samples_records;
        break;
      default:
        break;
    }
  }
  return out;
}

TEST(HeadPrometheusCompatTest, ReplaysTheWalPrometheusWrote) {
  if (!tsdbd::testing::HaveProgram("prometheus")) GTEST_SKIP() << "prometheus is not installed";
  tsdbd::testing::TempDir tmp;
  const uint16_t port = tsdbd::testing::FreePort();
  const std::string config =
      "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: self\n"
      "    static_configs:\n      - targets: ['127.0.0.1:" +
      std::to_string(port) + "']\n";
  const std::string data = tmp.path() + "/data";
  const std::string wal_dir = data + "/wal";
  {
    tsdbd::testing::PrometheusProcess prom(data, config, {}, port);
    // Wait (bounded) for a few scrapes to reach the WAL, then kill it mid-flight.
    const bool scraped = tsdbd::testing::WaitUntil(
        [&] { return ReadRaw(wal_dir).samples_records >= 4; }, std::chrono::seconds(60));
    prom.process().Signal(SIGKILL);
    (void)prom.process().Wait(std::chrono::seconds(10));
    ASSERT_TRUE(scraped) << prom.log();
  }
  const RawWal raw = ReadRaw(wal_dir);
  ASSERT_FALSE(raw.series.empty());

  // On one replay thread and on more than there are cores.
  for (size_t workers : {1, 5}) {
    SCOPED_TRACE(workers);
    HeadOptions o = testing::MemOptions();
    o.wal_dir = wal_dir;
    o.replay_workers = workers;
    auto head = Head::Open(o);
    ASSERT_TRUE(head.ok()) << head.error().message();
    const HeadReplayStats& st = (*head)->replay_stats();
    EXPECT_EQ(st.unknown_ref_samples, 0);
    EXPECT_EQ(st.series, static_cast<int64_t>(raw.series.size()));
    EXPECT_EQ(st.samples + st.out_of_order_samples, static_cast<int64_t>(raw.samples.size()));

    // Every sample of the WAL is in the head, under its series' labels.
    std::map<Labels, std::map<int64_t, uint64_t>> want;
    for (const auto& s : raw.samples) {
      auto it = raw.series.find(s.ref);
      ASSERT_NE(it, raw.series.end());
      want[it->second].emplace(s.t, std::bit_cast<uint64_t>(s.v));
    }
    auto got = testing::SelectAll(**head, std::numeric_limits<int64_t>::min(),
                                  std::numeric_limits<int64_t>::max(),
                                  {testing::M("__name__", Matcher::Type::kRegexMatch, ".+")});
    ASSERT_EQ(got.size(), want.size());
    for (const auto& s : got) {
      auto it = want.find(s.labels);
      ASSERT_NE(it, want.end()) << s.labels.ToString();
      std::vector<testing::BitSample> expect;
      for (const auto& [t, v] : it->second) expect.push_back({t, v});
      EXPECT_EQ(s.samples, expect) << s.labels.ToString();
    }
    EXPECT_GT(st.samples, 100);  // (replayed samples are not counted as appended)
  }
}

// The other way: Prometheus replays the WAL our head wrote (series records written lazily with
// the first committed batch that uses them, across a reopen and rollbacks) and answers
// queries with every sample.
TEST(HeadPrometheusCompatTest, PrometheusReplaysTheWalTheHeadWrote) {
  if (!tsdbd::testing::HaveProgram("prometheus")) GTEST_SKIP() << "prometheus is not installed";
  tsdbd::testing::TempDir tmp;
  const std::string data = tmp.path() + "/data";
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  const int64_t start = now_ms - 100 * 15000;
  for (int part = 0; part < 2; ++part) {  // two runs of the head: replay, then more appends
    HeadOptions o = testing::MemOptions();
    o.wal_dir = data + "/wal";
    auto head = Head::Open(o);
    ASSERT_TRUE(head.ok()) << head.error().message();
    for (int s = part * 50; s < part * 50 + 50; ++s) {
      auto app = (*head)->NewAppender();
      for (int i = 0; i < 50; ++i) {
        Labels l{{"__name__", "tsdbd_head_compat"}, {"i", std::to_string(i)}};
        ASSERT_TRUE(app->Append(0, l, start + s * 15000, s * 1000 + i).ok());
      }
      if (s % 10 == 9) {
        app->Rollback();  // these 50 samples never happened
      } else {
        ASSERT_TRUE(app->Commit().ok());
      }
    }
  }
  tsdbd::testing::PrometheusProcess prom(data, "global:\n  scrape_interval: 1h\n");
  const uint16_t port = prom.port();
  // 100 steps, 10 rolled back: 90 samples per series, 50 series.
  const std::string query =
      "/api/v1/query?query=sum(count_over_time(tsdbd_head_compat%5B1h%5D))&time=" +
      std::to_string(now_ms / 1000);
  std::string body;
  const bool answered = tsdbd::testing::WaitUntil(
      [&] {
        auto r = tsdbd::testing::Get(port, query);
        body = r.body;
        return r.status == 200;
      },
      std::chrono::seconds(60));
  ASSERT_TRUE(answered) << prom.log();
  EXPECT_NE(body.find("\"4500\""), std::string::npos) << body;
  // One exact value: series i=7 at step 42 is 42007.
  auto r =
      tsdbd::testing::Get(port, "/api/v1/query?query=tsdbd_head_compat%7Bi%3D%227%22%7D&time=" +
                                    std::to_string((start + 42 * 15000) / 1000.0));
  EXPECT_NE(r.body.find("\"42007\""), std::string::npos) << r.body;
}

}  // namespace
}  // namespace tsdbd::tsdb
