// Blocks in Prometheus's format, both ways: promtool and Prometheus 2.42 read the blocks
// tsdbd writes, and tsdbd reads the blocks promtool writes, with the same answers.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "lib/tsdb/record/encoder.h"
#include "lib/tsdb/wal/wal.h"
#include "tests/testing/exposition.h"
#include "tests/testing/process.h"
#include "tests/testing/prometheus_process.h"
#include "tests/testing/tsdbd_process.h"

namespace tsdbd {
namespace {

using testing::MetricValue;

namespace record = tsdb::record;
namespace stdfs = std::filesystem;

constexpr int64_t kStep = 15'000;
constexpr int64_t kSpan = 3 * 60 * 60 * 1000;
constexpr int kSeries = 40;
constexpr char kConfig[] = "global:\n  scrape_interval: 15s\n";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One line of `promtool tsdb dump`: {labels} value timestamp.
std::string DumpLine(int i, double v, int64_t t) {
  std::ostringstream os;
  os << "{__name__=\"blk_metric\", idx=\"" << i << "\", job=\"blocks\"} " << v << " " << t;
  return os.str();
}

// Writes a WAL of kSeries series with a sample every kStep over kSpan before end_ms, and
// returns the samples as promtool's dump prints them.
std::set<std::string> WriteWal(const std::string& wal_dir, int64_t end_ms) {
  std::set<std::string> lines;
  auto wal = tsdb::wal::Wal::Open(wal_dir);
  EXPECT_TRUE(wal.ok());
  std::vector<record::RefSeries> series;
  for (int i = 0; i < kSeries; ++i) {
    series.push_back({static_cast<uint64_t>(i + 1),
                      {{"__name__", "blk_metric"}, {"idx", std::to_string(i)}, {"job", "blocks"}}});
  }
  std::string rec;
  record::EncodeSeries(series, &rec);
  EXPECT_TRUE((*wal)->Log({rec}).ok());
  for (int64_t t = end_ms - kSpan; t <= end_ms; t += kStep) {
    std::vector<record::RefSample> samples;
    for (int i = 0; i < kSeries; ++i) {
      const double v = static_cast<double>((t / kStep) % 1000) * (i + 1) / 4;
      samples.push_back({static_cast<uint64_t>(i + 1), t, v});
      lines.insert(DumpLine(i, v, t));
    }
    rec.clear();
    record::EncodeSamples(samples, &rec);
    EXPECT_TRUE((*wal)->Log({rec}).ok());
  }
  EXPECT_TRUE((*wal)->Close().ok());
  return lines;
}

std::vector<std::string> BlockDirs(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : stdfs::directory_iterator(dir)) {
    if (stdfs::exists(e.path() / "meta.json")) out.push_back(e.path().filename().string());
  }
  return out;
}

std::set<std::string> Lines(const std::string& text) {
  std::set<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.insert(line);
  }
  return out;
}

std::string RawQuery(int64_t end_ms) {
  return "/api/v1/query?query=blk_metric%5B4h%5D&time=" + std::to_string(end_ms / 1000);
}

TEST(BlocksCompat, PromtoolAndPrometheusReadTheBlocksTsdbdWrites) {
  if (!testing::HaveProgram("promtool") || !testing::HaveProgram("prometheus")) {
    GTEST_SKIP() << "promtool or prometheus is not installed";
  }
  testing::TempDir dir;
  const std::string data = dir.path() + "/data";
  const int64_t end_ms = NowMs() / 1000 * 1000;
  const std::set<std::string> written = WriteWal(data + "/wal", end_ms);

  std::string ours;
  {
    testing::TsdbdProcess tsdbd(TSDBD_BINARY, dir.WriteFile("p.yml", kConfig),
                                {"--storage.tsdb.path=" + data,
                                 "--storage.tsdb.min-block-duration=30m"});
    ASSERT_TRUE(tsdbd.WaitReady()) << tsdbd.log();
    // 3h in the head: 30m blocks are cut until it spans at most 45m.
    ASSERT_TRUE(testing::WaitUntil([&] {
      return MetricValue(tsdbd.Get("/metrics").body, "prometheus_tsdb_head_min_time") >=
             static_cast<double>(end_ms - 45 * 60 * 1000 - 30 * 60 * 1000);
    })) << tsdbd.log();
    const auto r = tsdbd.Get(RawQuery(end_ms));
    ASSERT_EQ(r.status, 200) << r.body;
    ours = r.body;
    tsdbd.process().Signal(SIGTERM);
    ASSERT_TRUE(tsdbd.process().Wait(std::chrono::seconds(30)).has_value());
  }
  const std::vector<std::string> blocks = BlockDirs(data);
  ASSERT_GE(blocks.size(), 2u);

  // promtool lists every block, and dumps exactly the samples written (blocks + WAL).
  const auto list = testing::Run({"promtool", "tsdb", "list", data});
  ASSERT_EQ(list.exit_code, 0) << list.output;
  for (const std::string& ulid : blocks) EXPECT_NE(list.output.find(ulid), std::string::npos);
  const auto dump = testing::Run({"promtool", "tsdb", "dump", data});
  ASSERT_EQ(dump.exit_code, 0) << dump.output.substr(0, 2000);
  const std::set<std::string> dumped = Lines(dump.output);
  EXPECT_EQ(dumped.size(), written.size());
  EXPECT_TRUE(dumped == written) << "first dumped: " << *dumped.begin()
                                 << "\nfirst written: " << *written.begin();
  for (const std::string& ulid : blocks) {
    const auto analyze = testing::Run({"promtool", "tsdb", "analyze", data, ulid});
    EXPECT_EQ(analyze.exit_code, 0) << analyze.output;
    EXPECT_NE(analyze.output.find("Series: " + std::to_string(kSeries)), std::string::npos)
        << analyze.output;
  }

  // Prometheus opens the same directory and answers the same.
  testing::PrometheusProcess prometheus(data, kConfig);
  ASSERT_TRUE(prometheus.WaitReady()) << prometheus.log();
  EXPECT_EQ(prometheus.Get(RawQuery(end_ms)).body, ours);
}

TEST(BlocksCompat, TsdbdAnswersFromPromtoolBlocksAsPrometheusDoes) {
  if (!testing::HaveProgram("promtool") || !testing::HaveProgram("prometheus")) {
    GTEST_SKIP() << "promtool or prometheus is not installed";
  }
  testing::TempDir dir;
  // Six hours of OpenMetrics ending two hours ago: promtool cuts 2h blocks.
  const int64_t end_s = NowMs() / 1000 - 2 * 3600;
  std::ofstream om(dir.path() + "/in.om");
  om << "# HELP imported_total Imported.\n# TYPE imported_total counter\n";
  for (int i = 0; i < 5; ++i) {
    for (int64_t t = end_s - 6 * 3600; t <= end_s; t += 60) {
      om << "imported_total{host=\"h" << i << "\",path=\"/a b\"} " << (t % 86400) * (i + 1)
         << " " << t << "\n";
    }
  }
  om << "# EOF\n";
  om.close();
  const auto created = testing::Run({"promtool", "tsdb", "create-blocks-from", "openmetrics",
                                     dir.path() + "/in.om", dir.path() + "/ours"});
  ASSERT_EQ(created.exit_code, 0) << created.output;
  ASSERT_GE(BlockDirs(dir.path() + "/ours").size(), 3u);
  stdfs::copy(dir.path() + "/ours", dir.path() + "/theirs", stdfs::copy_options::recursive);

  testing::TsdbdProcess tsdbd(TSDBD_BINARY, dir.WriteFile("p.yml", kConfig),
                              {"--storage.tsdb.path=" + dir.path() + "/ours"});
  testing::PrometheusProcess prometheus(dir.path() + "/theirs", kConfig);
  ASSERT_TRUE(tsdbd.WaitReady()) << tsdbd.log();
  ASSERT_TRUE(prometheus.WaitReady()) << prometheus.log();
  const std::string range = "&start=" + std::to_string(end_s - 7 * 3600) +
                            "&end=" + std::to_string(end_s + 600) + "&step=300";
  for (const std::string& target : {
           "/api/v1/query_range?query=imported_total" + range,
           "/api/v1/query_range?query=sum%20by%20(path)%20(rate(imported_total%5B10m%5D))" + range,
           "/api/v1/query?query=imported_total%5B1h%5D&time=" + std::to_string(end_s),
           std::string("/api/v1/series?match[]=imported_total&start=") +
               std::to_string(end_s - 7 * 3600) + "&end=" + std::to_string(end_s),
           std::string("/api/v1/labels"),
           std::string("/api/v1/label/host/values"),
       }) {
    const auto theirs = prometheus.Get(target);
    const auto ours = tsdbd.Get(target);
    EXPECT_EQ(ours.status, theirs.status) << target;
    EXPECT_EQ(ours.body, theirs.body) << target;
  }
  EXPECT_GE(MetricValue(tsdbd.Get("/metrics").body, "prometheus_tsdb_blocks_loaded"), 1);
}

}  // namespace
}  // namespace tsdbd
