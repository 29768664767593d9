#include <gtest/gtest.h>

#include <string>

#include "lib/tsdb/wal/wal.h"
#include "tests/testing/process.h"

namespace tsdbd::tsdb::wal {
namespace {

TEST(WalStats, CountsFlushesPagesSyncsAndTruncations) {
  testing::TempDir dir;
  WalOptions options;
  options.compress = false;
  auto wal = Wal::Open(dir.path() + "/wal", options);
  ASSERT_TRUE(wal.ok()) << wal.error().message();
  const WalStats fresh = (*wal)->Stats();
  EXPECT_EQ(fresh.page_flushes, 0u);
  EXPECT_EQ(fresh.current_segment, 0);

  const std::string record(40'000, 'x');  // more than one 32 KiB page
  ASSERT_TRUE((*wal)->Log({record}).ok());
  WalStats s = (*wal)->Stats();
  EXPECT_GE(s.page_flushes, 2u);
  EXPECT_EQ(s.completed_pages, 1u);

  ASSERT_TRUE((*wal)->Sync().ok());
  EXPECT_EQ((*wal)->Stats().fsyncs, s.fsyncs + 1);

  ASSERT_TRUE((*wal)->NextSegment().ok());
  ASSERT_TRUE((*wal)->NextSegment().ok());
  s = (*wal)->Stats();
  EXPECT_EQ(s.current_segment, 2);
  EXPECT_EQ(s.completed_pages, 2u);  // the padded last page of segment 0
  ASSERT_TRUE((*wal)->Truncate(2).ok());
  EXPECT_EQ((*wal)->Stats().truncations, 1u);
  EXPECT_EQ((*wal)->Stats().truncations_failed, 0u);
  EXPECT_EQ((*wal)->Stats().writes_failed, 0u);
}

}  // namespace
}  // namespace tsdbd::tsdb::wal
