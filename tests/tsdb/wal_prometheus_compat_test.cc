// Compatibility with the real Prometheus 2.42 binary, both ways:
//  (a) Prometheus writes a WAL (scraping itself), is killed with SIGKILL, and our reader
//      decodes every record of it;
//  (b) we write a WAL into an otherwise empty data directory, Prometheus replays it, and
//      its query API returns our samples.
// Skipped when `prometheus` is not installed.
#include <signal.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fmt/format.h"
#include "lib/tsdb/record/decoder.h"
#include "lib/tsdb/record/encoder.h"
#include "lib/tsdb/wal/checkpoint.h"
#include "lib/tsdb/wal/reader.h"
#include "lib/tsdb/wal/segments.h"
#include "lib/tsdb/wal/wal.h"
#include "tests/testing/process.h"
#include "tests/testing/prometheus_process.h"
#include "tests/tsdb/wal_test_util.h"

namespace tsdbd::tsdb::wal {
namespace {

using namespace std::chrono_literals;
namespace rec = tsdbd::tsdb::record;
using testing::ReadFileBytes;
using testing::TempDir;
using testing::WriteFileBytes;

using tsdbd::testing::PrometheusProcess;

// The body of a 200 answer to GET `target`, or "<request failed>".
std::string QueryBody(const PrometheusProcess& p, const std::string& target) {
  auto r = p.Get(target);
  return r.status == 200 ? r.body : "<request failed>";
}

std::string Label(const rec::RefSeries& s, const std::string& name) {
  for (const auto& l : s.labels) {
    if (l.name == name) return l.value;
  }
  return "";
}

struct DecodedWal {
  std::map<uint64_t, rec::RefSeries> series;
  std::vector<rec::RefSample> samples;
  int samples_records = 0;
  int other_records = 0;
  std::optional<Corruption> corruption;
  std::string error;
};

DecodedWal DecodeWalDir(const std::string& dir) {
  DecodedWal out;
  auto segs = ListSegments(dir);
  if (!segs.ok()) {
    out.error = segs.error().message();
    return out;
  }
  Reader r(*segs);
  std::vector<rec::RefSeries> series;
  while (r.Next()) {
    switch (rec::RecordType(r.record())) {
      case rec::Type::kSeries:
        series.clear();
        if (Status s = rec::DecodeSeries(r.record(), &series); !s.ok()) out.error = s.message();
        for (auto& s : series) out.series[s.ref] = s;
        break;
      case rec::Type::kSamples:
        ++out.samples_records;
        if (Status s = rec::DecodeSamples(r.record(), &out.samples); !s.ok()) {
          out.error = s.message();
        }
        break;
      default:
        ++out.other_records;
    }
  }
  out.corruption = r.corruption();
  if (!r.corruption() && !r.status().ok()) out.error = r.status().message();
  return out;
}

TEST(WalPrometheusCompatTest, ReadsTheWalPrometheusWrote) {
  if (!tsdbd::testing::HaveProgram("prometheus")) GTEST_SKIP() << "prometheus is not installed";
  TempDir tmp;
  const uint16_t port = tsdbd::testing::FreePort();
  const std::string config = fmt::format(R"(global:
  scrape_interval: 1s
scrape_configs:
  - job_name: self
    static_configs:
      - targets: ['127.0.0.1:{}']
)",
                                         port);
  const std::string data = tmp / "data";
  PrometheusProcess p(data, config, {}, port);
  // Three scrapes ingested: up{job="self"} has a count_over_time of 3.
  bool ingested = tsdbd::testing::WaitUntil(
      [&] {
        const std::string body =
            QueryBody(p, "/api/v1/query?query=count_over_time(up%7Bjob%3D%22self%22%7D%5B1m%5D)");
        return body.find("\"3\"]") != std::string::npos ||
               body.find("\"4\"]") != std::string::npos || body.find("\"5\"]") != std::string::npos;
      },
      60s);
  ASSERT_TRUE(ingested) << p.log();
  // No clean shutdown: the samples must come from the WAL alone.
  p.process().Signal(SIGKILL);
  ASSERT_TRUE(p.process().Wait(std::chrono::seconds(10)).has_value());

  const std::string wal_dir = data + "/wal";
  auto segs = ListSegments(wal_dir);
  ASSERT_TRUE(segs.ok());
  ASSERT_FALSE(segs->empty());
  // Prometheus 2.42 compresses by default: its first record (a series record) is flagged.
  std::string first = ReadFileBytes(segs->front().path);
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(static_cast<uint8_t>(first[0]) & kSnappyFlag, kSnappyFlag);

  DecodedWal wal = DecodeWalDir(wal_dir);
  EXPECT_EQ(wal.error, "");
  if (wal.corruption) {
    // Only a torn tail of the last segment is acceptable after SIGKILL.
    EXPECT_EQ(wal.corruption->segment, segs->back().index) << FormatCorruption(*wal.corruption);
  }
  const rec::RefSeries* up = nullptr;
  for (const auto& [ref, s] : wal.series) {
    if (Label(s, "__name__") == "up") up = &s;
  }
  ASSERT_NE(up, nullptr) << wal.series.size() << " series decoded";
  EXPECT_EQ(Label(*up, "job"), "self");
  EXPECT_EQ(Label(*up, "instance"), fmt::format("127.0.0.1:{}", port));
  EXPECT_GT(wal.series.size(), 100u);  // Prometheus exposes hundreds of its own series
  EXPECT_GE(wal.samples_records, 3);
  int up_samples = 0;
  auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  for (const rec::RefSample& s : wal.samples) {
    ASSERT_TRUE(wal.series.contains(s.ref)) << "sample of unknown series " << s.ref;
    EXPECT_GT(s.t, now_ms - 10 * 60 * 1000);
    EXPECT_LT(s.t, now_ms + 60 * 1000);
    if (s.ref == up->ref) {
      ++up_samples;
      EXPECT_EQ(s.v, 1.0);
    }
  }
  EXPECT_GE(up_samples, 3);
}

TEST(WalPrometheusCompatTest, PrometheusReplaysTheWalWeWrote) {
  if (!tsdbd::testing::HaveProgram("prometheus")) GTEST_SKIP() << "prometheus is not installed";
  TempDir tmp;
  const std::string data = tmp / "data";
  const std::string wal_dir = data + "/wal";
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  const int64_t base = now_ms - 55 * 60 * 1000;  // within the last hour
  constexpr int kDense = 6000;  // samples of series 3, 500ms apart: a multi-page record

  auto value = [](uint64_t ref, int i) {
    // Series 3 gets noisy values so that its record stays large once compressed.
    return ref == 3 ? 3000 + std::sin(i) * 100 : static_cast<double>(ref) * 1000 + i * 0.25;
  };
  std::vector<rec::RefSeries> series;
  for (uint64_t ref = 1; ref <= 3; ++ref) {
    series.push_back(
        {ref,
         {{"__name__", "tsdbd_wal_compat"}, {"idx", std::to_string(ref)}, {"job", "walwriter"}}});
  }
  {
    // Segment 0: the series and the first samples, ending in a partial page.
    WalOptions opts;  // defaults: 128 MiB segments, snappy
    auto w = Wal::Open(wal_dir, opts);
    ASSERT_TRUE(w.ok()) << w.error().message();
    std::string srec;
    rec::EncodeSeries(series, &srec);
    std::vector<rec::RefSample> first;
    for (uint64_t ref = 1; ref <= 2; ++ref) first.push_back({ref, base, value(ref, 0)});
    std::string frec;
    rec::EncodeSamples(first, &frec);
    auto seq = (*w)->Log({srec, frec});
    ASSERT_TRUE(seq.ok());
    ASSERT_TRUE((*w)->WaitDurable(*seq).ok());
  }
  {
    // Segment 1 (a reopen starts a new one): more samples, one record over several pages.
    auto w = Wal::Open(wal_dir, WalOptions{});
    ASSERT_TRUE(w.ok());
    std::vector<std::string> recs;
    for (int i = 1; i < 10; ++i) {
      std::vector<rec::RefSample> batch;
      for (uint64_t ref = 1; ref <= 2; ++ref)
        batch.push_back({ref, base + i * 15000, value(ref, i)});
      recs.emplace_back();
      rec::EncodeSamples(batch, &recs.back());
    }
    std::vector<rec::RefSample> dense;
    for (int i = 0; i < kDense; ++i) dense.push_back({3, base + i * 500 + (i % 7), value(3, i)});
    recs.emplace_back();
    rec::EncodeSamples(dense, &recs.back());
    ASSERT_GT(recs.back().size(), 2 * kPageSize);
    std::vector<std::string_view> views(recs.begin(), recs.end());
    auto seq = (*w)->Log(views);
    ASSERT_TRUE(seq.ok());
    ASSERT_TRUE((*w)->Close().ok());
  }
  // The big record is compressed and continues on the second page of segment 1.
  std::string seg1 = ReadFileBytes(wal_dir + "/00000001");
  ASSERT_GT(seg1.size(), kPageSize + 7);
  EXPECT_TRUE(seg1[kPageSize] == (3 | kSnappyFlag) || seg1[kPageSize] == (4 | kSnappyFlag))
      << int(seg1[kPageSize]);
  // Nothing but wal/ in the data directory.
  ASSERT_EQ(std::distance(std::filesystem::directory_iterator(data), {}), 1);

  PrometheusProcess p(data, "global:\n  scrape_interval: 1m\n");
  ASSERT_TRUE(p.WaitReady()) << p.log();

  auto query_at = [&](const std::string& selector, int64_t t_ms) {
    std::string path =
        fmt::format("/api/v1/query?query={}&time={}.{:03d}", selector, t_ms / 1000, t_ms % 1000);
    return QueryBody(p, path);
  };
  auto expect_value = [&](uint64_t ref, int64_t t_ms, double v) {
    std::string body = query_at(fmt::format("tsdbd_wal_compat%7Bidx%3D%22{}%22%7D", ref), t_ms);
    std::string want = fmt::format("[{}.{:03d},\"{}\"]", t_ms / 1000, t_ms % 1000, v);
    EXPECT_NE(body.find(want), std::string::npos) << "want " << want << " in " << body;
    EXPECT_NE(body.find("\"job\":\"walwriter\""), std::string::npos) << body;
  };
  for (int i = 0; i < 10; ++i) {
    expect_value(1, base + i * 15000, value(1, i));
    expect_value(2, base + i * 15000, value(2, i));
  }
  for (int i : {0, 1, 1234, kDense - 1}) expect_value(3, base + i * 500 + (i % 7), value(3, i));
  // All 3000 samples of the big record arrived.
  std::string count = query_at("count_over_time(tsdbd_wal_compat%7Bidx%3D%223%22%7D%5B1h%5D)",
                               base + (kDense - 1) * 500 + 10);
  EXPECT_NE(count.find(fmt::format("\"{}\"]", kDense)), std::string::npos) << count;

  std::string log = p.log();
  EXPECT_EQ(log.find("corrupt"), std::string::npos) << log;
  EXPECT_NE(log.find("WAL replay completed"), std::string::npos) << log;
}

}  // namespace
}  // namespace tsdbd::tsdb::wal

namespace tsdbd::tsdb::wal {
namespace {

TEST(WalPrometheusCompatTest, PrometheusReplaysOurCheckpointThenLaterSegments) {
  if (!tsdbd::testing::HaveProgram("prometheus")) GTEST_SKIP() << "prometheus is not installed";
  TempDir tmp;
  const std::string data = tmp / "data";
  const std::string wal_dir = data + "/wal";
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  const int64_t base = now_ms - 30 * 60 * 1000;
  {
    auto w = Wal::Open(wal_dir, WalOptions{});
    ASSERT_TRUE(w.ok());
    std::string r;
    rec::EncodeSeries(std::vector<rec::RefSeries>{{7, {{"__name__", "tsdbd_cp"}, {"k", "live"}}},
                                                  {8, {{"__name__", "tsdbd_cp"}, {"k", "gone"}}}},
                      &r);
    ASSERT_TRUE((*w)->Log({r}).ok());
    for (int i = 0; i < 20; ++i) {
      r.clear();
      rec::EncodeSamples(std::vector<rec::RefSample>{{7, base + i * 10000, 100.0 + i},
                                                     {8, base + i * 10000, 200.0 + i}},
                         &r);
      ASSERT_TRUE((*w)->Log({r}).ok());
      if (i == 9) {  // samples 10.. go to segment 1
        ASSERT_TRUE((*w)->NextSegment().ok());
      }
    }
    ASSERT_TRUE((*w)->Close().ok());
  }
  // Checkpoint segment 0 keeping series 7 only, then drop segment 0 as the head would.
  auto stats = Checkpoint(
      wal_dir, 0, 0, [](uint64_t ref) { return ref == 7; }, 0);
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  ASSERT_TRUE(std::filesystem::remove(wal_dir + "/00000000"));

  PrometheusProcess p(data, "global:\n  scrape_interval: 1m\n");
  ASSERT_TRUE(p.WaitReady()) << p.log();
  auto body = QueryBody(p, fmt::format("/api/v1/query?query=count_over_time(tsdbd_cp%5B1h%5D)"
                                       "&time={}.{:03d}",
                                       (base + 200000) / 1000, (base + 200000) % 1000));
  // Series 7: 10 samples from the checkpoint + 10 from segment 1. Series 8 was dropped by the
  // checkpoint, so its later samples have no series and Prometheus skips them.
  EXPECT_NE(body.find("\"k\":\"live\""), std::string::npos) << body;
  EXPECT_NE(body.find("\"20\"]"), std::string::npos) << body;
  EXPECT_EQ(body.find("\"k\":\"gone\""), std::string::npos) << body;
  std::string log = p.log();
  EXPECT_NE(log.find("WAL checkpoint loaded"), std::string::npos) << log;
  EXPECT_EQ(log.find("corrupt"), std::string::npos) << log;
}

}  // namespace
}  // namespace tsdbd::tsdb::wal
