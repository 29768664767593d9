// ReadAheadReader yields what Reader yields, record for record, damage and end included, and
// stops its thread however early its caller gives up.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "lib/tsdb/crc32c.h"
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

// Damage the checksums do not catch, found only by decompressing (a record written with a
// bad snappy body and a matching CRC): the records before it, then the corruption a Reader
// reports, though another thread decompresses.
TEST(WalReadAheadTest, StopsWhereReaderStopsOnARecordThatDoesNotDecompress) {
  TempDir dir;
  const std::string rec(1000, 'z');
  {
    auto w = Wal::Open(dir.path());
    ASSERT_TRUE(w.ok());
    for (int i = 0; i < 40; ++i) ASSERT_TRUE((*w)->Log({rec + std::to_string(i)}).ok());
    ASSERT_TRUE((*w)->Close().ok());
  }
  auto segs = ListSegments(dir.path());
  ASSERT_TRUE(segs.ok());
  const std::string& path = segs->front().path;
  std::string bytes = testing::ReadFileBytes(path);
  // Walk to the 30th fragment (each record is one full, compressed fragment here).
  size_t off = 0;
  for (int i = 0; i < 30; ++i) {
    const size_t len =
        (static_cast<uint8_t>(bytes[off + 1]) << 8) | static_cast<uint8_t>(bytes[off + 2]);
    off += kFragmentHeaderSize + len;
    if (kPageSize - off % kPageSize < kFragmentHeaderSize || bytes[off] == 0) {
      off = (off / kPageSize + 1) * kPageSize;
    }
  }
  ASSERT_TRUE(static_cast<uint8_t>(bytes[off]) & kSnappyFlag);
  const size_t len =
      (static_cast<uint8_t>(bytes[off + 1]) << 8) | static_cast<uint8_t>(bytes[off + 2]);
  char* data = bytes.data() + off + kFragmentHeaderSize;
  // After the length varint (1000 + 2 bytes: two bytes), a copy from before the output's start.
  data[2] = 0x01;
  data[3] = static_cast<char>(0xff);
  const uint32_t crc = Crc32c(data, len);
  for (int i = 0; i < 4; ++i) bytes[off + 3 + i] = static_cast<char>(crc >> (24 - 8 * i));
  testing::WriteFileBytes(path, bytes);

  Reader plain(*segs);
  size_t before = 0;
  while (plain.Next()) ++before;
  ASSERT_EQ(before, 30u);
  ASSERT_TRUE(plain.corruption());
  EXPECT_NE(plain.corruption()->reason.find("snappy"), std::string::npos);
  ExpectSameAsReader(dir.path());
}

// Records the caller drops are skipped on the reading thread: the others come in order, with
// their segments, and the end and damage are reported as a Reader reports them.
TEST(WalReadAheadTest, SkipsTheRecordsItsCallerDrops) {
  TempDir dir;
  const std::vector<std::string> written = WriteWal(dir.path());
  auto segs = ListSegments(dir.path());
  ASSERT_TRUE(segs.ok());
  auto odd_length = [](std::string_view rec) { return rec.size() % 2 == 1; };
  Reader plain(*segs);
  const Read all = ReadAll(plain);
  ReadAheadReader r(*segs, odd_length);
  const Read got = ReadAll(r);
  std::vector<std::pair<int, std::string>> want;
  for (const auto& rec : all.records) {
    if (!odd_length(rec.second)) want.push_back(rec);
  }
  ASSERT_GT(want.size(), 10u);
  ASSERT_LT(want.size(), written.size() - 10);
  EXPECT_EQ(got.records, want);
  EXPECT_TRUE(got.ok);
  EXPECT_FALSE(got.corruption);

  const std::string& last = segs->back().path;
  std::filesystem::resize_file(last, std::filesystem::file_size(last) - 10);
  Reader torn(*segs);
  ReadAll(torn);
  ReadAheadReader skipping(*segs, odd_length);
  const Read cut = ReadAll(skipping);
  ASSERT_TRUE(cut.corruption);
  EXPECT_EQ(FormatCorruption(*cut.corruption), FormatCorruption(*torn.corruption()));
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
