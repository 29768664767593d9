// ReadAheadReader yields what Reader yields, record for record, damage and end included, and
// stops its thread however early its caller gives up.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "lib/tsdb/wal/format.h"
#include "lib/tsdb/wal/read_ahead_reader.h"
#include "lib/tsdb/wal/segments.h"
#include "lib/tsdb/wal/wal.h"
#include "tests/tsdb/wal_test_util.h"

namespace tsdbd::tsdb::wal {
namespace {

using testing::TempDir;

// Records of every size from a byte to several pages (so several fragments), some
// compressible, over segments of four pages: more records than the reader reads ahead.
std::vector<std::string> WriteWal(const std::string& dir) {
  WalOptions o;
  o.segment_size = 4 * static_cast<int64_t>(kPageSize);
  auto w = Wal::Open(dir, o);
  EXPECT_TRUE(w.ok());
  std::vector<std::string> written;
  for (int i = 0; i < 200; ++i) {
    std::string rec(static_cast<size_t>(1 + (i * 7919) % (3 * kPageSize)), 'a');
    for (size_t j = 0; j < rec.size(); j += (i % 3 == 0 ? 1 : 64)) {
      rec[j] = static_cast<char>('a' + (i + j) % 26);
    }
    EXPECT_TRUE((*w)->Log({rec}).ok());
    written.push_back(std::move(rec));
  }
  EXPECT_TRUE((*w)->Close().ok());
  return written;
}

struct Read {
  std::vector<std::pair<int, std::string>> records;  // segment, bytes
  std::optional<Corruption> corruption;
  bool ok = true;
};

template <typename R>
Read ReadAll(R& r) {
  Read out;
  while (r.Next()) out.records.emplace_back(r.segment(), std::string(r.record()));
  out.corruption = r.corruption();
  out.ok = r.status().ok();
  return out;
}

void ExpectSameAsReader(const std::string& dir) {
  auto segs = ListSegments(dir);
  ASSERT_TRUE(segs.ok());
  Reader plain(*segs);
  ReadAheadReader ahead(*segs);
  const Read want = ReadAll(plain), got = ReadAll(ahead);
  ASSERT_EQ(got.records.size(), want.records.size());
  for (size_t i = 0; i < want.records.size(); ++i) {
    ASSERT_EQ(got.records[i], want.records[i]) << i;
  }
  EXPECT_EQ(got.ok, want.ok);
  ASSERT_EQ(got.corruption.has_value(), want.corruption.has_value());
  if (want.corruption) {
    EXPECT_EQ(FormatCorruption(*got.corruption), FormatCorruption(*want.corruption));
  }
  EXPECT_FALSE(ahead.Next());  // and stays at the end
}

TEST(WalReadAheadTest, YieldsEveryRecordWithItsSegment) {
  TempDir dir;
  const std::vector<std::string> written = WriteWal(dir.path());
  auto segs = ListSegments(dir.path());
  ASSERT_TRUE(segs.ok());
  ASSERT_GT(segs->size(), 3u);
  ReadAheadReader r(*segs);
  const Read got = ReadAll(r);
  ASSERT_EQ(got.records.size(), written.size());
  for (size_t i = 0; i < written.size(); ++i) EXPECT_EQ(got.records[i].second, written[i]) << i;
  EXPECT_TRUE(got.ok);
  EXPECT_FALSE(got.corruption);
  ExpectSameAsReader(dir.path());
}

TEST(WalReadAheadTest, StopsWhereReaderStopsOnATornTail) {
  TempDir dir;
  WriteWal(dir.path());
  auto segs = ListSegments(dir.path());
  ASSERT_TRUE(segs.ok());
  const std::string& last = segs->back().path;
  std::filesystem::resize_file(last, std::filesystem::file_size(last) - 10);
  ExpectSameAsReader(dir.path());
}

TEST(WalReadAheadTest, StopsWhereReaderStopsOnDamageInTheMiddle) {
  TempDir dir;
  WriteWal(dir.path());
  auto segs = ListSegments(dir.path());
  ASSERT_TRUE(segs.ok());
  const std::string& middle = (*segs)[segs->size() / 2].path;
  std::string bytes = testing::ReadFileBytes(middle);
  bytes[100] ^= 0x40;
  testing::WriteFileBytes(middle, bytes);
  ExpectSameAsReader(dir.path());
}

TEST(WalReadAheadTest, ACallerGivingUpEarlyStopsTheThread) {
  TempDir dir;
  WriteWal(dir.path());
  auto segs = ListSegments(dir.path());
  ASSERT_TRUE(segs.ok());
  { ReadAheadReader untouched(*segs); }
  ReadAheadReader r(*segs);
  ASSERT_TRUE(r.Next());
  ASSERT_TRUE(r.Next());
  // The destructor returns with the reader blocked on a full queue (the test would hang).
}

}  // namespace
}  // namespace tsdbd::tsdb::wal
