// The block layout through the tsdbd binary, beside Prometheus 2.42: started on copies of one
// WAL with 10m blocks, both cut the head into the same blocks and merge them into the same
// bigger ones (the minTime/maxTime of every block equal), and leave the head starting at the
// same time.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "lib/tsdb/block/meta.h"
#include "lib/tsdb/block/ulid.h"
#include "lib/tsdb/compact/block_ranges.h"
#include "lib/tsdb/compact/planner.h"
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
constexpr int64_t kBlock = 10 * kMinute;    // --storage.tsdb.min-block-duration=10m
constexpr int64_t kMaxBlock = 18 * kBlock;  // --storage.tsdb.max-block-duration=180m
constexpr int64_t kStep = 5'000;            // a sample every 5s
constexpr int64_t kOffGrid = 868;           // every sample is this far off the 5s grid
constexpr int64_t kDense = 120 * kMinute;   // the samples before the gap
constexpr int64_t kGap = 20 * kMinute;      // no samples
constexpr int64_t kTail = 3 * kMinute;      // the samples after the gap, up to the end
constexpr int kSeries = 20;
constexpr char kConfig[] = "global:\n  scrape_interval: 15s\n";

// Samples of kSeries series every kStep over [start, end].
void LogSamples(tsdb::wal::Wal& wal, int64_t start, int64_t end) {
  std::string rec;
  for (int64_t t = start; t <= end; t += kStep) {
    std::vector<record::RefSample> samples;
    for (int i = 0; i < kSeries; ++i) {
      samples.push_back({static_cast<uint64_t>(i + 1), t, static_cast<double>(t / kStep % 91 + i)});
    }
    rec.clear();
    record::EncodeSamples(samples, &rec);
    ASSERT_TRUE(wal.Log({rec}).ok());
  }
}

// A WAL of two hours of samples, a gap, then a short tail ending at end_ms: blocks are cut
// from the first sample (not on a boundary), then from the first sample after each boundary,
// and after the last block before the gap the head jumps forward over it.
void WriteWal(const std::string& wal_dir, int64_t end_ms) {
  auto wal = tsdb::wal::Wal::Open(wal_dir);
  ASSERT_TRUE(wal.ok());
  std::vector<record::RefSeries> series;
  for (int i = 0; i < kSeries; ++i) {
    series.push_back({static_cast<uint64_t>(i + 1),
                      {{"__name__", "layout_metric"}, {"idx", std::to_string(i)}}});
  }
  std::string rec;
  record::EncodeSeries(series, &rec);
  ASSERT_TRUE((*wal)->Log({rec}).ok());
  const int64_t tail_start = end_ms - kTail;
  LogSamples(**wal, tail_start - kGap - kDense, tail_start - kGap);
  LogSamples(**wal, tail_start, end_ms);
  ASSERT_TRUE((*wal)->Close().ok());
}

std::vector<tsdb::block::BlockMeta> Metas(const std::string& data) {
  std::vector<tsdb::block::BlockMeta> out;
  for (const auto& e : stdfs::directory_iterator(data)) {
    // A block being written or deleted has another name: not counted.
    if (!tsdb::block::IsUlid(e.path().filename().string())) continue;
    auto meta = tsdb::block::ReadMeta(e.path().string());
    if (meta.ok()) out.push_back(*meta);
  }
  return out;
}

// [minTime, maxTime) of every block, oldest first.
std::vector<std::pair<int64_t, int64_t>> Ranges(const std::vector<tsdb::block::BlockMeta>& metas) {
  std::vector<std::pair<int64_t, int64_t>> out;
  for (const auto& m : metas) out.emplace_back(m.min_time, m.max_time);
  std::sort(out.begin(), out.end());
  return out;
}

std::string Describe(const std::vector<std::pair<int64_t, int64_t>>& ranges) {
  std::string out;
  for (const auto& [mint, maxt] : ranges) {
    out += "[" + std::to_string(mint) + "," + std::to_string(maxt) + ") ";
  }
  return out;
}

// What a server shows once its compactions are over: the head spans no more than 1.5
// blocks and the blocks on disk leave nothing to plan.
struct Layout {
  std::vector<std::pair<int64_t, int64_t>> blocks;
  int64_t head_min_time = -1;
};

template <typename Server>
bool WaitSettled(const Server& server, const std::string& data, int64_t end_ms, Layout* out,
                 std::chrono::seconds timeout) {
  const std::vector<int64_t> ranges = tsdb::compact::BlockRanges(kBlock, kMaxBlock);
  return testing::WaitUntil(
      [&] {
        out->head_min_time = static_cast<int64_t>(
            MetricValue(server.Get("/metrics").body, "prometheus_tsdb_head_min_time"));
        if (out->head_min_time < end_ms - kBlock / 2 * 3) return false;
        const std::vector<tsdb::block::BlockMeta> metas = Metas(data);
        out->blocks = Ranges(metas);
        return !metas.empty() && tsdb::compact::Plan(metas, ranges).empty();
      },
      timeout);
}

TEST(BlockLayoutTest, HeadBlocksAndTheirMergesCoverTheSameRangesAsPrometheus) {
  if (!testing::HaveProgram("prometheus")) GTEST_SKIP() << "prometheus is not installed";
  testing::TempDir dir;
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const int64_t end_ms = now / kMinute * kMinute + kOffGrid;
  WriteWal(dir.path() + "/pristine/wal", end_ms);
  const std::string ours_dir = dir.path() + "/ours", theirs_dir = dir.path() + "/theirs";
  stdfs::copy(dir.path() + "/pristine", ours_dir, stdfs::copy_options::recursive);
  stdfs::copy(dir.path() + "/pristine", theirs_dir, stdfs::copy_options::recursive);
  const std::vector<std::string> flags = {"--storage.tsdb.min-block-duration=10m",
                                          "--storage.tsdb.max-block-duration=180m"};

  // Prometheus compacts a minute after it is ready; tsdbd at once. Both run meanwhile.
  testing::PrometheusProcess prometheus(theirs_dir, kConfig, flags);
  std::vector<std::string> args = flags;
  args.push_back("--storage.tsdb.path=" + ours_dir);
  testing::TsdbdProcess tsdbd(TSDBD_BINARY, dir.WriteFile("p.yml", kConfig), args);
  ASSERT_TRUE(tsdbd.WaitReady()) << tsdbd.log();
  ASSERT_TRUE(prometheus.WaitReady()) << prometheus.log();
  Layout ours, theirs;
  ASSERT_TRUE(WaitSettled(tsdbd, ours_dir, end_ms, &ours, std::chrono::seconds(60)))
      << Describe(ours.blocks) << "\n"
      << tsdbd.log();
  ASSERT_TRUE(WaitSettled(prometheus, theirs_dir, end_ms, &theirs, std::chrono::seconds(180)))
      << Describe(theirs.blocks) << "\n"
      << prometheus.log();

  EXPECT_EQ(ours.blocks, theirs.blocks)
      << "ours:   " << Describe(ours.blocks) << "\ntheirs: " << Describe(theirs.blocks);
  EXPECT_EQ(ours.head_min_time, theirs.head_min_time);
  // Over the gap, the head starts where appenders may still write (half a block before the
  // newest sample), not at the tail's first sample, which is later.
  EXPECT_EQ(ours.head_min_time, end_ms - kBlock / 2);
  // The layout exercised what it is meant to: a first block from the first sample, a block
  // merged out of several, and blocks that start off the boundaries.
  ASSERT_GE(ours.blocks.size(), 3u);
  EXPECT_EQ(ours.blocks.front().first, end_ms - kTail - kGap - kDense);
  // (Which block is merged depends on where the wall clock puts the boundaries: the first
  // one covers no more than the rest of its 10m range when that range ends a 30m one.)
  EXPECT_TRUE(std::any_of(ours.blocks.begin(), ours.blocks.end(),
                          [](const auto& b) { return b.second - b.first > kBlock; }))
      << Describe(ours.blocks);
  EXPECT_EQ(ours.blocks.back().first % kBlock, kOffGrid);
}

}  // namespace
}  // namespace tsdbd
