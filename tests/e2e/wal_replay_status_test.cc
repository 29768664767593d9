// /api/v1/status/walreplay through the tsdbd binary, beside Prometheus 2.42: started on copies
// of one WAL with a checkpoint and several segments after it, both report the same segments
// once ready.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "lib/model/labels.h"
#include "lib/tsdb/head/head.h"
#include "lib/tsdb/wal/segments.h"
#include "tests/testing/process.h"
#include "tests/testing/prometheus_process.h"
#include "tests/testing/tsdbd_process.h"

namespace tsdbd {
namespace {

namespace stdfs = std::filesystem;

constexpr char kConfig[] = "global:\n  scrape_interval: 15s\n";

// A WAL of a few small segments, the older ones checkpointed away as a head truncation does.
void WriteWal(const std::string& wal_dir) {
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  tsdb::HeadOptions o;
  o.wal_dir = wal_dir;
  o.wal_options.segment_size = 32 * 1024;
  o.wal_options.compress = false;
  auto h = tsdb::Head::Open(o);
  ASSERT_TRUE(h.ok()) << h.error().message();
  for (int b = 0; b < 400; ++b) {
    auto app = (*h)->NewAppender();
    for (int i = 0; i < 40; ++i) {
      const Labels l{{"__name__", "m"}, {"i", std::to_string(i)}};
      ASSERT_TRUE(app->Append(0, l, now - (400 - b) * 1000, b).ok());
    }
    ASSERT_TRUE(app->Commit().ok());
  }
  ASSERT_TRUE((*h)->Truncate(now - 200 * 1000).ok());
  auto checkpoint = tsdb::wal::LastCheckpoint(wal_dir);
  ASSERT_TRUE(checkpoint.ok() && checkpoint->has_value()) << "no checkpoint written";
}

TEST(WalReplayStatusTest, ReportsTheSegmentsPrometheusReports) {
  if (!testing::HaveProgram("prometheus")) GTEST_SKIP() << "prometheus is not installed";
  testing::TempDir dir;
  WriteWal(dir.path() + "/pristine/wal");
  if (HasFatalFailure()) return;
  const std::string ours_dir = dir.path() + "/ours", theirs_dir = dir.path() + "/theirs";
  stdfs::copy(dir.path() + "/pristine", ours_dir, stdfs::copy_options::recursive);
  stdfs::copy(dir.path() + "/pristine", theirs_dir, stdfs::copy_options::recursive);

  testing::PrometheusProcess prometheus(theirs_dir, kConfig);
  testing::TsdbdProcess tsdbd(TSDBD_BINARY, dir.WriteFile("p.yml", kConfig),
                              {"--storage.tsdb.path=" + ours_dir});
  ASSERT_TRUE(tsdbd.WaitReady()) << tsdbd.log();
  ASSERT_TRUE(prometheus.WaitReady()) << prometheus.log();
  const testing::HttpResponse ours = tsdbd.Get("/api/v1/status/walreplay");
  const testing::HttpResponse theirs = prometheus.Get("/api/v1/status/walreplay");
  EXPECT_EQ(ours.status, 200);
  EXPECT_EQ(ours.status, theirs.status);
  EXPECT_EQ(ours.body, theirs.body);
  // Not all zeros: the checkpoint's index and later segments are there to report.
  EXPECT_EQ(ours.body.find(R"("min":0)"), std::string::npos) << ours.body;
}

}  // namespace
}  // namespace tsdbd
