// Torn and damaged WAL tails: reopening keeps exactly the whole records before the damage,
// truncates the file there, says what it dropped, and accepts new appends.
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "lib/tsdb/wal/format.h"
#include "lib/tsdb/wal/reader.h"
#include "lib/tsdb/wal/repair.h"
#include "lib/tsdb/wal/segments.h"
#include "lib/tsdb/wal/wal.h"
#include "spdlog/sinks/ostream_sink.h"
#include "spdlog/spdlog.h"
#include "tests/tsdb/wal_test_util.h"

namespace tsdbd::tsdb::wal {
namespace {

using testing::FileSize;
using testing::ReadFileBytes;
using testing::TempDir;
using testing::WriteFileBytes;

// Routes spdlog's default logger into a string for the lifetime of the object.
class LogCapture {
 public:
  LogCapture() : old_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  }
  ~LogCapture() { spdlog::set_default_logger(old_); }
  std::string text() const { return out_.str(); }
  void clear() { out_.str(""); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> old_;
};

struct Written {
  std::vector<std::string> records;
  std::vector<int64_t> ends;  // offset just past each record in segment 0
  std::string segment;        // bytes of segment 0
};

// 26 records in one segment; record 23 crosses the first page boundary.
Written WriteSample(const std::string& dir, bool compress) {
  Written w;
  std::mt19937 rng(7);
  for (int i = 0; i < 26; ++i) {
    std::string r(i == 25 ? 90 : (compress ? 2400 : 1400), '\0');
    // Four-letter text: snappy shrinks it, so compressed runs store compressed records.
    for (char& c : r) c = compress ? "acgt"[rng() % 4] : static_cast<char>(rng());
    w.records.push_back(r);
  }
  WalOptions opts;
  opts.compress = compress;
  {
    auto wal = Wal::Open(dir, opts);
    EXPECT_TRUE(wal.ok());
    for (const std::string& r : w.records) EXPECT_TRUE((*wal)->Log({r}).ok());
  }
  Reader reader(*ListSegments(dir));
  while (reader.Next()) w.ends.push_back(reader.offset());
  EXPECT_EQ(w.ends.size(), w.records.size());
  w.segment = ReadFileBytes(dir + "/00000000");
  EXPECT_GT(w.segment.size(), kPageSize);
  return w;
}

std::vector<std::string> ReadAll(const std::string& dir) {
  Reader r(*ListSegments(dir));
  std::vector<std::string> out;
  while (r.Next()) out.emplace_back(r.record());
  EXPECT_TRUE(r.status().ok()) << r.status().message();
  return out;
}

// Writes `segment` as the only segment, reopens, and checks the outcome.
void CheckReopen(const std::string& segment, const Written& w, int64_t damage_at,
                 bool expect_damage, const std::string& what) {
  SCOPED_TRACE(what);
  TempDir tmp("/dev/shm");
  WriteFileBytes(tmp / "00000000", segment);
  size_t survivors = 0;
  while (survivors < w.ends.size() && w.ends[survivors] <= damage_at) ++survivors;
  const int64_t valid_end = survivors == 0 ? 0 : w.ends[survivors - 1];

  LogCapture log;
  auto wal = Wal::Open(tmp.path(), WalOptions{});
  ASSERT_TRUE(wal.ok()) << wal.error().message();
  if (expect_damage) {
    EXPECT_EQ(FileSize(tmp / "00000000"), valid_end);
    std::string text = log.text();
    EXPECT_NE(text.find(fmt::format("dropping {} bytes of segment {}/00000000 from offset {}",
                                    static_cast<int64_t>(segment.size()) - valid_end, tmp.path(),
                                    valid_end)),
              std::string::npos)
        << text;
  } else {
    EXPECT_EQ(FileSize(tmp / "00000000"), static_cast<int64_t>(segment.size()));
    EXPECT_EQ(log.text(), "");
  }
  ASSERT_TRUE((*wal)->Log({"after repair"}).ok());
  ASSERT_TRUE((*wal)->Close().ok());
  std::vector<std::string> want(w.records.begin(), w.records.begin() + survivors);
  want.push_back("after repair");
  EXPECT_EQ(ReadAll(tmp.path()), want);
}

bool AllZero(std::string_view s) {
  return s.find_first_not_of('\0') == std::string_view::npos;
}

class WalTornTailTest : public ::testing::TestWithParam<bool> {};

TEST_P(WalTornTailTest, TruncationAtEveryOffsetOfTheLastRecords) {
  TempDir src("/dev/shm");
  Written w = WriteSample(src.path(), GetParam());
  const int64_t from = w.ends[w.ends.size() - 4];
  for (int64_t cut = from; cut <= static_cast<int64_t>(w.segment.size()); ++cut) {
    int64_t last_end = 0;
    for (int64_t e : w.ends) {
      if (e <= cut) last_end = e;
    }
    // Cutting at a record's end, or inside zero padding after it, leaves nothing torn.
    bool torn = !AllZero(std::string_view(w.segment).substr(last_end, cut - last_end));
    CheckReopen(w.segment.substr(0, cut), w, cut, torn, fmt::format("cut at {}", cut));
    if (HasFatalFailure() || HasFailure()) return;
  }
}

TEST_P(WalTornTailTest, FlippedByteAtEveryOffsetOfTheLastRecords) {
  TempDir src("/dev/shm");
  Written w = WriteSample(src.path(), GetParam());
  const int64_t from = w.ends[w.ends.size() - 4];
  for (int64_t at = from; at < static_cast<int64_t>(w.segment.size()); ++at) {
    std::string damaged = w.segment;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x5A);
    CheckReopen(damaged, w, at, true, fmt::format("flip at {}", at));
    if (HasFatalFailure() || HasFailure()) return;
  }
}

INSTANTIATE_TEST_SUITE_P(Compression, WalTornTailTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "snappy" : "plain"; });

TEST(WalRepairTest, ReaderReportsWhereAndWhy) {
  TempDir tmp("/dev/shm");
  Written w = WriteSample(tmp.path(), false);
  std::string damaged = w.segment;
  damaged[w.ends[4] + 3] ^= 1;  // CRC byte of record 5's header
  WriteFileBytes(tmp / "00000000", damaged);
  Reader r(*ListSegments(tmp.path()));
  int n = 0;
  while (r.Next()) ++n;
  EXPECT_EQ(n, 5);
  ASSERT_TRUE(r.corruption());
  EXPECT_EQ(r.corruption()->segment, 0);
  EXPECT_EQ(r.corruption()->valid_end, w.ends[4]);
  EXPECT_EQ(r.corruption()->offset, w.ends[4]);
  EXPECT_EQ(r.corruption()->reason, "fragment checksum mismatch");
  EXPECT_FALSE(r.status().ok());
  EXPECT_FALSE(r.Next());  // stays stopped
}

TEST(WalRepairTest, DamageInAnEarlierSegmentDropsTheLaterSegments) {
  TempDir tmp("/dev/shm");
  WalOptions opts;
  opts.segment_size = 2 * kPageSize;
  opts.compress = false;
  {
    auto wal = Wal::Open(tmp.path(), opts);
    ASSERT_TRUE(wal.ok());
    for (int i = 0; i < 100; ++i) ASSERT_TRUE((*wal)->Log({std::string(2000, 'a' + i % 26)}).ok());
  }
  auto segs = ListSegments(tmp.path());
  ASSERT_TRUE(segs.ok());
  ASSERT_GE(segs->size(), 3u);
  std::string s0 = ReadFileBytes(segs->front().path);
  s0[kPageSize + 100] ^= 0x01;  // inside a record on page 1 of segment 0
  WriteFileBytes(segs->front().path, s0);

  LogCapture log;
  auto found = ScanAndRepair(tmp.path());
  ASSERT_TRUE(found.ok()) << found.error().message();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->segment, 0);
  auto after = ListSegments(tmp.path());
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ(FileSize(after->front().path), (*found)->valid_end);
  EXPECT_NE(log.text().find("deleting segment " + (*segs)[1].path), std::string::npos)
      << log.text();
  auto recs = ReadAll(tmp.path());
  ASSERT_FALSE(recs.empty());
  for (size_t i = 0; i < recs.size(); ++i) EXPECT_EQ(recs[i], std::string(2000, 'a' + i % 26));
}

TEST(WalRepairTest, OpenRepairsATornSegmentBeforeAnEmptyLastOne) {
  TempDir tmp("/dev/shm");
  Written w = WriteSample(tmp.path(), false);
  WriteFileBytes(tmp / "00000000", w.segment.substr(0, w.ends[9] + 20));
  WriteFileBytes(tmp / "00000001", "");
  LogCapture log;
  auto wal = Wal::Open(tmp.path(), WalOptions{});
  ASSERT_TRUE(wal.ok()) << wal.error().message();
  EXPECT_EQ(FileSize(tmp / "00000000"), w.ends[9]);
  EXPECT_EQ(FileSize(tmp / "00000001"), 0);  // deleted, then created anew
  EXPECT_EQ((*wal)->current_segment(), 1);
  EXPECT_NE(log.text().find("dropping 20 bytes"), std::string::npos) << log.text();
}

TEST(WalRepairTest, GarbageAfterZeroPaddingIsDamage) {
  TempDir tmp("/dev/shm");
  Written w = WriteSample(tmp.path(), false);
  std::string s = w.segment.substr(0, w.ends[2]) + std::string(10, '\0') + "x";
  WriteFileBytes(tmp / "00000000", s);
  Reader r(*ListSegments(tmp.path()));
  int n = 0;
  while (r.Next()) ++n;
  EXPECT_EQ(n, 3);
  ASSERT_TRUE(r.corruption());
  EXPECT_EQ(r.corruption()->reason, "non-zero bytes in page padding");
}

TEST(WalRepairTest, ZstdRecordIsUnsupportedAndNeverTruncated) {
  TempDir tmp("/dev/shm");
  Written w = WriteSample(tmp.path(), false);
  std::string s = w.segment;
  s[w.ends[1]] = static_cast<char>(s[w.ends[1]] | kZstdFlag);
  WriteFileBytes(tmp / "00000000", s);
  LogCapture log;
  auto wal = Wal::Open(tmp.path(), WalOptions{});
  ASSERT_FALSE(wal.ok());
  EXPECT_NE(wal.error().message().find("zstd"), std::string::npos) << wal.error().message();
  EXPECT_EQ(ReadFileBytes(tmp / "00000000"), s);
}

TEST(WalRepairTest, RecordSpanningTheEndOfASegmentIsTorn) {
  TempDir tmp("/dev/shm");
  Written w = WriteSample(tmp.path(), false);
  // Cut record 23 (which crosses the page boundary) right after its first fragment.
  WriteFileBytes(tmp / "00000000", w.segment.substr(0, kPageSize));
  Reader r(*ListSegments(tmp.path()));
  int n = 0;
  while (r.Next()) ++n;
  EXPECT_EQ(n, 23);
  ASSERT_TRUE(r.corruption());
  EXPECT_EQ(r.corruption()->reason, "segment ends inside a record");
  EXPECT_EQ(r.corruption()->valid_end, w.ends[22]);
}

}  // namespace
}  // namespace tsdbd::tsdb::wal
