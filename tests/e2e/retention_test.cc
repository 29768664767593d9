// Retention through the tsdbd binary, beside Prometheus 2.42: a WAL of several hours is cut
// into 30m blocks at startup, and the blocks past --storage.tsdb.retention.time or
// --storage.tsdb.retention.size go, from disk and from query answers, as they go in
// Prometheus started on the same WAL with the same flags.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <set>
#include <utility>

#include "lib/tsdb/block/meta.h"
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

constexpr int64_t kMinute = 60'000;
constexpr int64_t kBlock = 30 * kMinute;  // --storage.tsdb.min-block-duration=30m
constexpr int64_t kSpan = 4 * 60 * kMinute;
constexpr char kConfig[] = "global:\n  scrape_interval: 15s\n";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A WAL of `n` series with a sample every minute over the kSpan before end_ms.
void WriteWal(const std::string& wal_dir, int64_t end_ms, int n) {
  auto wal = tsdb::wal::Wal::Open(wal_dir);
  ASSERT_TRUE(wal.ok());
  std::vector<record::RefSeries> series;
  for (int i = 0; i < n; ++i) {
    series.push_back(
        {static_cast<uint64_t>(i + 1), {{"__name__", "ret_metric"}, {"idx", std::to_string(i)}}});
  }
  std::string rec;
  record::EncodeSeries(series, &rec);
  ASSERT_TRUE((*wal)->Log({rec}).ok());
  for (int64_t t = end_ms - kSpan; t <= end_ms; t += kMinute) {
    std::vector<record::RefSample> samples;
    for (int i = 0; i < n; ++i) {
      samples.push_back(
          {static_cast<uint64_t>(i + 1), t, static_cast<double>(t / kMinute % 997 + i)});
    }
    rec.clear();
    record::EncodeSamples(samples, &rec);
    ASSERT_TRUE((*wal)->Log({rec}).ok());
  }
  ASSERT_TRUE((*wal)->Close().ok());
}

struct BlockInfo {
  int64_t min_time, max_time;
  uint64_t bytes;
  bool operator<(const BlockInfo& o) const {
    return std::pair(min_time, max_time) < std::pair(o.min_time, o.max_time);
  }
};

uint64_t DirBytes(const std::string& dir) {
  uint64_t n = 0;
  std::error_code ec;
  if (!stdfs::exists(dir, ec)) return 0;
  for (const auto& e : stdfs::recursive_directory_iterator(dir, ec)) {
    if (e.is_regular_file(ec)) n += e.file_size(ec);
  }
  return n;
}

// The blocks in a data directory, oldest first.
std::vector<BlockInfo> Blocks(const std::string& data) {
  std::vector<BlockInfo> out;
  for (const auto& e : stdfs::directory_iterator(data)) {
    if (!stdfs::exists(e.path() / "meta.json")) continue;
    auto meta = tsdb::block::ReadMeta(e.path().string());
    EXPECT_TRUE(meta.ok()) << e.path();
    if (meta.ok()) out.push_back({meta->min_time, meta->max_time, DirBytes(e.path().string())});
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::pair<int64_t, int64_t>> Ranges(const std::vector<BlockInfo>& blocks) {
  std::vector<std::pair<int64_t, int64_t>> out;
  for (const BlockInfo& b : blocks) out.emplace_back(b.min_time, b.max_time);
  return out;
}

std::string Describe(const std::vector<BlockInfo>& blocks, int64_t end_ms) {
  std::string out;
  for (const BlockInfo& b : blocks) {
    out += "[" + std::to_string((b.min_time - end_ms) / kMinute) + "m," +
           std::to_string((b.max_time - end_ms) / kMinute) + "m) " + std::to_string(b.bytes) +
           "B  ";
  }
  return out;
}

// The earliest sample time (ms) in a matrix answer; -1 when it holds nothing.
int64_t EarliestSample(const std::string& body) {
  int64_t earliest = -1;
  const boost::json::value v = boost::json::parse(body);
  for (const auto& series : v.at("data").at("result").as_array()) {
    const auto& values = series.at("values").as_array();
    if (values.empty()) continue;
    const auto& ts = values.front().as_array().front();
    const int64_t t = static_cast<int64_t>(
        (ts.is_double() ? ts.as_double() : static_cast<double>(ts.as_int64())) * 1000);
    if (earliest < 0 || t < earliest) earliest = t;
  }
  return earliest;
}

// The queries both servers answer: raw samples of ten series over the whole span, those
// ten series as a range query, and the count of all samples.
std::vector<std::string> Queries(int64_t end_ms) {
  const std::string ten = "ret_metric%7Bidx%3D~%22%5B0-9%5D%22%7D";
  const std::string end = std::to_string(end_ms / 1000);
  const std::string start = std::to_string((end_ms - kSpan - 10 * kMinute) / 1000);
  return {"/api/v1/query?query=" + ten + "%5B5h%5D&time=" + end,
          "/api/v1/query_range?query=" + ten + "&start=" + start + "&end=" + end + "&step=60",
          "/api/v1/query_range?query=sum(count_over_time(ret_metric%5B10m%5D))&start=" + start +
              "&end=" + end + "&step=300"};
}

// What a server shows once its startup compaction and retention are done.
struct Outcome {
  std::vector<BlockInfo> blocks;
  double lowest = -1, blocks_loaded = -1, time_retentions = -1, size_retentions = -1;
  std::vector<std::string> answers;
};

template <typename Server>
Outcome Observe(const Server& server, const std::string& data, int64_t end_ms) {
  Outcome o;
  const std::string metrics = server.Get("/metrics").body;
  o.lowest = MetricValue(metrics, "prometheus_tsdb_lowest_timestamp");
  o.blocks_loaded = MetricValue(metrics, "prometheus_tsdb_blocks_loaded");
  o.time_retentions = MetricValue(metrics, "prometheus_tsdb_time_retentions_total");
  o.size_retentions = MetricValue(metrics, "prometheus_tsdb_size_retentions_total");
  o.blocks = Blocks(data);
  for (const std::string& q : Queries(end_ms)) {
    const auto r = server.Get(q);
    EXPECT_EQ(r.status, 200) << q << "\n" << r.body;
    o.answers.push_back(r.body);
  }
  return o;
}

// Head compaction is over once the head spans at most 1.5 blocks (it ends at end_ms), and
// retention has happened once the counter moved.
template <typename Server>
bool WaitSettled(const Server& server, int64_t end_ms, const char* retentions,
                 std::chrono::seconds timeout) {
  return testing::WaitUntil(
      [&] {
        const std::string m = server.Get("/metrics").body;
        return MetricValue(m, "prometheus_tsdb_head_min_time") >= end_ms - kBlock / 2 * 3 &&
               MetricValue(m, retentions) > 0 &&
               MetricValue(m, "prometheus_tsdb_blocks_loaded") > 0;
      },
      timeout);
}

class RetentionTest : public ::testing::Test {
 protected:
  // Writes the WAL of `series` series that every data directory starts from.
  void WriteWals(int series) {
    end_ms_ = NowMs() / kMinute * kMinute;
    WriteWal(dir_.path() + "/pristine/wal", end_ms_, series);
  }
  // A fresh copy of the WAL-only data directory.
  std::string CopyData(const std::string& name) const {
    const std::string data = dir_.path() + "/" + name;
    stdfs::copy(dir_.path() + "/pristine", data, stdfs::copy_options::recursive);
    return data;
  }

  testing::TempDir dir_;
  int64_t end_ms_ = 0;
};

TEST_F(RetentionTest, TimeRetentionDropsBlocksAnHourOlderThanTheNewestAsPrometheusDoes) {
  WriteWals(10);
  const std::string data = CopyData("ours");
  const std::vector<std::string> flags = {"--storage.tsdb.min-block-duration=30m",
                                          "--storage.tsdb.retention.time=1h"};
  std::vector<std::string> args = flags;
  args.push_back("--storage.tsdb.path=" + data);
  testing::TsdbdProcess tsdbd(TSDBD_BINARY, dir_.WriteFile("p.yml", kConfig), args);
  ASSERT_TRUE(tsdbd.WaitReady()) << tsdbd.log();
  ASSERT_TRUE(WaitSettled(tsdbd, end_ms_, "prometheus_tsdb_time_retentions_total",
                          std::chrono::seconds(60)))
      << tsdbd.log();
  const Outcome ours = Observe(tsdbd, data, end_ms_);

  // Blocks of 30m were cut from the head's start until it spanned at most 45m; of those, the
  // ones ending more than 1h before the newest went. With a 1h retention the largest block
  // is 30m as well (10% of the retention, but never below the smallest), so nothing merged:
  // three 30m blocks remain, back to back.
  ASSERT_EQ(ours.blocks.size(), 3u) << Describe(ours.blocks, end_ms_);
  const int64_t newest_max = ours.blocks.back().max_time;
  EXPECT_EQ(newest_max % kBlock, 0);
  EXPECT_LE(end_ms_ - newest_max, kBlock / 2 * 3);
  EXPECT_GT(end_ms_ - (newest_max - kBlock), kBlock / 2 * 3);
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(ours.blocks[k].min_time, newest_max - static_cast<int64_t>(3 - k) * kBlock);
    EXPECT_EQ(ours.blocks[k].max_time, newest_max - static_cast<int64_t>(2 - k) * kBlock);
  }
  EXPECT_EQ(ours.blocks_loaded, 3);
  EXPECT_EQ(ours.lowest, static_cast<double>(ours.blocks.front().min_time));
  // The old data is gone from the answers too: nothing before the oldest block kept.
  EXPECT_EQ(EarliestSample(ours.answers[0]), ours.blocks.front().min_time);

  // Prometheus on the same WAL with the same flags (its first compaction waits a minute).
  const std::string theirs_dir = CopyData("theirs");
  if (!testing::HaveProgram("prometheus")) GTEST_SKIP() << "prometheus is not installed";
  testing::PrometheusProcess prometheus(theirs_dir, kConfig, flags);
  ASSERT_TRUE(prometheus.WaitReady()) << prometheus.log();
  ASSERT_TRUE(WaitSettled(prometheus, end_ms_, "prometheus_tsdb_time_retentions_total",
                          std::chrono::seconds(180)))
      << prometheus.log();
  const Outcome theirs = Observe(prometheus, theirs_dir, end_ms_);
  EXPECT_EQ(Ranges(ours.blocks), Ranges(theirs.blocks))
      << "ours:   " << Describe(ours.blocks, end_ms_)
      << "\ntheirs: " << Describe(theirs.blocks, end_ms_);
  EXPECT_EQ(ours.lowest, theirs.lowest);
  EXPECT_EQ(ours.blocks_loaded, theirs.blocks_loaded);
  for (size_t k = 0; k < ours.answers.size(); ++k) {
    EXPECT_EQ(ours.answers[k], theirs.answers[k]) << Queries(end_ms_)[k];
  }
}

std::string Sizes(const std::string& data) {
  std::string out;
  for (const char* sub : {"wal", "chunks_head"}) {
    std::error_code ec;
    for (const auto& e : stdfs::recursive_directory_iterator(data + "/" + sub, ec)) {
      if (e.is_regular_file()) {
        out += stdfs::relative(e.path(), data).string() + "=" + std::to_string(e.file_size()) + " ";
      }
    }
  }
  return out;
}

// Blocks of a few hundred KB, a limit that holds a couple of them. The largest block is 30m
// here too, so that the blocks are the head's. How many blocks stay depends on the WAL's size
// at each check, which is where tsdbd and Prometheus differ (see the report printed).
TEST_F(RetentionTest, SizeRetentionKeepsTheNewestBlocksThatFit) {
  WriteWals(2000);
  const std::vector<std::string> common = {"--storage.tsdb.min-block-duration=30m",
                                           "--storage.tsdb.max-block-duration=30m"};
  // Calibration: the blocks the startup compaction writes without a size limit.
  std::vector<BlockInfo> all;
  uint64_t head_bytes = 0;
  {
    const std::string data = CopyData("calibration");
    std::vector<std::string> args = common;
    args.push_back("--storage.tsdb.path=" + data);
    testing::TsdbdProcess tsdbd(TSDBD_BINARY, dir_.WriteFile("p.yml", kConfig), args);
    ASSERT_TRUE(tsdbd.WaitReady()) << tsdbd.log();
    ASSERT_TRUE(testing::WaitUntil([&] {
      return MetricValue(tsdbd.Get("/metrics").body, "prometheus_tsdb_head_min_time") >=
             end_ms_ - kBlock / 2 * 3;
    })) << tsdbd.log();
    all = Blocks(data);
    head_bytes = DirBytes(data + "/wal") + DirBytes(data + "/chunks_head");
  }
  ASSERT_GE(all.size(), 4u) << Describe(all, end_ms_);
  // Room for the WAL left after the startup compaction and two and a half blocks.
  const uint64_t limit = head_bytes + all.back().bytes * 5 / 2;
  std::cout << "[ size ] calibration: " << Describe(all, end_ms_) << "; wal+chunks_head "
            << head_bytes << "B; pristine wal " << DirBytes(dir_.path() + "/pristine/wal")
            << "B; limit " << limit << "B\n";

  std::vector<std::string> flags = common;
  flags.push_back("--storage.tsdb.retention.size=" + std::to_string(limit) + "B");
  const std::string data = CopyData("ours");
  std::vector<std::string> args = flags;
  args.push_back("--storage.tsdb.path=" + data);
  testing::TsdbdProcess tsdbd(TSDBD_BINARY, dir_.WriteFile("p2.yml", kConfig), args);
  ASSERT_TRUE(tsdbd.WaitReady()) << tsdbd.log();
  ASSERT_TRUE(WaitSettled(tsdbd, end_ms_, "prometheus_tsdb_size_retentions_total",
                          std::chrono::seconds(60)))
      << tsdbd.log();
  const Outcome ours = Observe(tsdbd, data, end_ms_);
  EXPECT_GT(ours.size_retentions, 0);
  EXPECT_EQ(ours.time_retentions, 0);
  // The newest blocks, back to back up to the head, within the limit; the older ones gone,
  // from disk and from the answers.
  ASSERT_FALSE(ours.blocks.empty());
  EXPECT_LE(ours.blocks.size(), 2u) << Describe(ours.blocks, end_ms_);
  EXPECT_EQ(Ranges(ours.blocks),
            Ranges(std::vector<BlockInfo>(all.end() - static_cast<ptrdiff_t>(ours.blocks.size()),
                                          all.end())));
  uint64_t kept = DirBytes(data + "/wal") + DirBytes(data + "/chunks_head");
  for (const BlockInfo& b : ours.blocks) kept += b.bytes;
  EXPECT_LE(kept, limit);
  EXPECT_EQ(ours.lowest, static_cast<double>(ours.blocks.front().min_time));
  EXPECT_EQ(EarliestSample(ours.answers[0]), ours.blocks.front().min_time);
  EXPECT_EQ(ours.blocks_loaded, static_cast<double>(ours.blocks.size()));

  // Prometheus on the same WAL with the same flags: reported side by side.
  const std::string theirs_dir = CopyData("theirs");
  if (!testing::HaveProgram("prometheus")) GTEST_SKIP() << "prometheus is not installed";
  testing::PrometheusProcess prometheus(theirs_dir, kConfig, flags);
  ASSERT_TRUE(prometheus.WaitReady()) << prometheus.log();
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        const std::string m = prometheus.Get("/metrics").body;
        return MetricValue(m, "prometheus_tsdb_head_min_time") >= end_ms_ - kBlock / 2 * 3 &&
               MetricValue(m, "prometheus_tsdb_size_retentions_total") > 0;
      },
      std::chrono::seconds(180)))
      << prometheus.log();
  const Outcome theirs = Observe(prometheus, theirs_dir, end_ms_);
  std::cout << "[ size ] ours:   " << Describe(ours.blocks, end_ms_) << Sizes(data)
            << "\n[ size ] theirs: " << Describe(theirs.blocks, end_ms_) << Sizes(theirs_dir)
            << "\n";
  // Both keep only the newest blocks, never more than fit.
  EXPECT_LE(theirs.blocks.size(), ours.blocks.size());
}

}  // namespace
}  // namespace tsdbd
