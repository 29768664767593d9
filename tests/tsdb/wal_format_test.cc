// The WAL writer and reader against the segment format: page and segment boundaries,
// fragment types, compression, reopening, group commit.
#include <gtest/gtest.h>
#include <snappy.h>

#include <random>
#include <string>
#include <thread>
#include <vector>

#include "fmt/format.h"
#include "lib/tsdb/crc32c.h"
#include "lib/tsdb/wal/reader.h"
#include "lib/tsdb/wal/segments.h"
#include "lib/tsdb/wal/wal.h"
#include "tests/tsdb/wal_test_util.h"

namespace tsdbd::tsdb::wal {
namespace {

using testing::FileSize;
using testing::ReadFileBytes;
using testing::TempDir;

constexpr int64_t kPage = static_cast<int64_t>(kPageSize);

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

std::unique_ptr<Wal> MustOpen(const std::string& dir, WalOptions opts) {
  auto w = Wal::Open(dir, opts);
  EXPECT_TRUE(w.ok()) << (w.ok() ? "" : w.error().message());
  return w.ok() ? std::move(w).value() : nullptr;
}

std::vector<std::string> ReadAll(const std::string& dir, Status* status = nullptr) {
  auto segs = ListSegments(dir);
  EXPECT_TRUE(segs.ok());
  Reader r(*segs);
  std::vector<std::string> out;
  while (r.Next()) out.emplace_back(r.record());
  if (status)
    *status = r.status();
  else
    EXPECT_TRUE(r.status().ok()) << r.status().message();
  return out;
}

WalOptions Opts(bool compress, int64_t pages_per_segment = 4) {
  WalOptions o;
  o.compress = compress;
  o.segment_size = pages_per_segment * kPage;
  return o;
}

TEST(WalFormatTest, OpenCreatesDirectoryAndFirstSegment) {
  TempDir tmp;
  std::string dir = tmp / "data/wal";
  auto w = MustOpen(dir, Opts(true));
  ASSERT_TRUE(w);
  EXPECT_EQ(w->current_segment(), 0);
  EXPECT_TRUE(std::filesystem::exists(dir + "/00000000"));
  EXPECT_EQ(FileSize(dir + "/00000000"), 0);
  EXPECT_TRUE(ReadAll(dir).empty());
}

TEST(WalFormatTest, RejectsSegmentSizeNotAMultipleOfThePage) {
  TempDir tmp;
  WalOptions o;
  o.segment_size = kPage + 1;
  EXPECT_FALSE(Wal::Open(tmp.path(), o).ok());
  o.segment_size = 0;
  EXPECT_FALSE(Wal::Open(tmp.path(), o).ok());
}

TEST(WalFormatTest, SmallUncompressedRecordExactBytes) {
  TempDir tmp;
  auto w = MustOpen(tmp.path(), Opts(false));
  ASSERT_TRUE(w->Log({"abc"}).ok());
  ASSERT_TRUE(w->Close().ok());
  std::string f = ReadFileBytes(tmp / "00000000");
  uint32_t crc = Crc32c("abc");
  std::string want = {1,
                      0,
                      3,
                      static_cast<char>(crc >> 24),
                      static_cast<char>(crc >> 16),
                      static_cast<char>(crc >> 8),
                      static_cast<char>(crc),
                      'a',
                      'b',
                      'c'};
  EXPECT_EQ(f, want);  // the last page is not padded
}

TEST(WalFormatTest, CompressibleRecordIsSnappyFlagged) {
  TempDir tmp;
  auto w = MustOpen(tmp.path(), Opts(true));
  std::string rec(1000, 'x');
  std::string noise = RandomBytes(200, 1);
  ASSERT_TRUE(w->Log({rec, noise}).ok());
  ASSERT_TRUE(w->Close().ok());
  std::string f = ReadFileBytes(tmp / "00000000");
  ASSERT_GT(f.size(), 7u);
  EXPECT_EQ(static_cast<uint8_t>(f[0]), 0x09);  // full | snappy
  size_t len = (static_cast<uint8_t>(f[1]) << 8) | static_cast<uint8_t>(f[2]);
  std::string plain;
  ASSERT_TRUE(snappy::Uncompress(f.data() + 7, len, &plain));
  EXPECT_EQ(plain, rec);
  // Incompressible data is stored as is, without the flag.
  EXPECT_EQ(static_cast<uint8_t>(f[7 + len]), 0x01);
  EXPECT_EQ(ReadAll(tmp.path()), (std::vector<std::string>{rec, noise}));
}

TEST(WalFormatTest, RecordExactlyFillingAPage) {
  TempDir tmp;
  auto w = MustOpen(tmp.path(), Opts(false));
  std::string a = RandomBytes(kPageSize - 7, 2);
  ASSERT_TRUE(w->Log({a, "next"}).ok());
  ASSERT_TRUE(w->Close().ok());
  std::string f = ReadFileBytes(tmp / "00000000");
  ASSERT_EQ(f.size(), kPageSize + 7 + 4);
  EXPECT_EQ(f[0], 1);
  EXPECT_EQ(f[kPageSize], 1);  // the next record starts the second page
  EXPECT_EQ(ReadAll(tmp.path()), (std::vector<std::string>{a, "next"}));
}

TEST(WalFormatTest, PageTailShorterThanAHeaderIsZeroPadded) {
  TempDir tmp;
  auto w = MustOpen(tmp.path(), Opts(false));
  std::string a = RandomBytes(kPageSize - 7 - 6, 3);  // leaves 6 bytes: too few for a header
  ASSERT_TRUE(w->Log({a, "b"}).ok());
  ASSERT_TRUE(w->Close().ok());
  std::string f = ReadFileBytes(tmp / "00000000");
  ASSERT_EQ(f.size(), kPageSize + 8);
  EXPECT_EQ(f.substr(kPageSize - 6, 6), std::string(6, '\0'));
  EXPECT_EQ(f[kPageSize], 1);
  EXPECT_EQ(ReadAll(tmp.path()), (std::vector<std::string>{a, "b"}));
}

TEST(WalFormatTest, PageTailOfExactlyAHeaderGetsAnEmptyFirstFragment) {
  TempDir tmp;
  auto w = MustOpen(tmp.path(), Opts(false));
  std::string a = RandomBytes(kPageSize - 14, 4);  // leaves exactly 7 bytes
  ASSERT_TRUE(w->Log({a, "bc"}).ok());
  ASSERT_TRUE(w->Close().ok());
  std::string f = ReadFileBytes(tmp / "00000000");
  ASSERT_EQ(f.size(), kPageSize + 9);
  EXPECT_EQ(f.substr(kPageSize - 7, 7), std::string("\x02\0\0\0\0\0\0", 7));  // first, len 0
  EXPECT_EQ(f[kPageSize], 4);                                                 // last
  EXPECT_EQ(ReadAll(tmp.path()), (std::vector<std::string>{a, "bc"}));
}

TEST(WalFormatTest, EmptyRecordIsAFullFragmentOfLengthZero) {
  TempDir tmp;
  auto w = MustOpen(tmp.path(), Opts(true));
  ASSERT_TRUE(w->Log({"", "x", ""}).ok());
  ASSERT_TRUE(w->Close().ok());
  std::string f = ReadFileBytes(tmp / "00000000");
  EXPECT_EQ(f.substr(0, 7), std::string("\x01\0\0\0\0\0\0", 7));
  EXPECT_EQ(ReadAll(tmp.path()), (std::vector<std::string>{"", "x", ""}));
}

TEST(WalFormatTest, RecordLargerThanAPageIsSplitFirstMiddleLast) {
  TempDir tmp;
  auto w = MustOpen(tmp.path(), Opts(false));
  std::string big = RandomBytes(2 * kPageSize + 100, 5);
  ASSERT_TRUE(w->Log({"a", big}).ok());
  ASSERT_TRUE(w->Close().ok());
  std::string f = ReadFileBytes(tmp / "00000000");
  EXPECT_EQ(f[0], 1);
  EXPECT_EQ(f[8], 2);              // first, in the rest of page 0
  EXPECT_EQ(f[kPageSize], 3);      // middle fills page 1
  EXPECT_EQ(f[2 * kPageSize], 4);  // last
  EXPECT_EQ(ReadAll(tmp.path()), (std::vector<std::string>{"a", big}));
}

TEST(WalFormatTest, RecordNotFittingTheSegmentStartsTheNextOne) {
  TempDir tmp;
  auto w = MustOpen(tmp.path(), Opts(false, 2));   // two pages per segment
  std::string a = RandomBytes(kPageSize, 6);       // page 0 and part of page 1
  std::string b = RandomBytes(kPageSize - 20, 7);  // 32747 bytes are left
  ASSERT_TRUE(w->Log({a, b}).ok());
  EXPECT_EQ(w->current_segment(), 1);
  ASSERT_TRUE(w->Close().ok());
  // The finished segment is whole pages, its last one zero padded.
  EXPECT_EQ(FileSize(tmp / "00000000"), 2 * kPage);
  std::string f0 = ReadFileBytes(tmp / "00000000");
  EXPECT_EQ(f0.back(), 0);
  EXPECT_EQ(ReadAll(tmp.path()), (std::vector<std::string>{a, b}));
}

TEST(WalFormatTest, RecordLargerThanASegmentGetsAnOversizedSegmentOfItsOwn) {
  TempDir tmp;
  auto w = MustOpen(tmp.path(), Opts(false, 2));
  std::string huge = RandomBytes(3 * kPageSize, 8);
  ASSERT_TRUE(w->Log({"before", huge, "after"}).ok());
  ASSERT_TRUE(w->Close().ok());
  EXPECT_LE(FileSize(tmp / "00000000"), 2 * kPage);
  EXPECT_GT(FileSize(tmp / "00000001"), 2 * kPage);
  EXPECT_TRUE(std::filesystem::exists(tmp / "00000002"));
  EXPECT_EQ(ReadAll(tmp.path()), (std::vector<std::string>{"before", huge, "after"}));
}

class WalRoundTripTest : public ::testing::TestWithParam<bool> {};

TEST_P(WalRoundTripTest, ManyRecordsOfEverySizeAcrossSegments) {
  TempDir tmp;
  auto w = MustOpen(tmp.path(), Opts(GetParam(), 4));
  std::mt19937 rng(9);
  std::vector<std::string> want;
  const std::vector<size_t> sizes = {0,
                                     1,
                                     6,
                                     7,
                                     8,
                                     kPageSize - 14,
                                     kPageSize - 8,
                                     kPageSize - 7,
                                     kPageSize - 6,
                                     kPageSize,
                                     kPageSize + 1,
                                     3 * kPageSize};
  for (int round = 0; round < 40; ++round) {
    std::vector<std::string> batch;
    for (int i = 0; i < 5; ++i) {
      size_t n = (rng() % 3 == 0) ? sizes[rng() % sizes.size()] : rng() % 3000;
      // Half compressible, half noise.
      batch.push_back(rng() % 2 ? RandomBytes(n, rng()) : std::string(n, 'a' + round % 26));
    }
    std::vector<std::string_view> views(batch.begin(), batch.end());
    auto seq = w->Log(views);
    ASSERT_TRUE(seq.ok());
    want.insert(want.end(), batch.begin(), batch.end());
    EXPECT_EQ(*seq, want.size());
  }
  ASSERT_TRUE(w->Close().ok());
  auto segs = ListSegments(tmp.path());
  ASSERT_TRUE(segs.ok());
  EXPECT_GT(segs->size(), 3u);
  EXPECT_EQ(ReadAll(tmp.path()), want);
}

// The reader loads segments a MiB at a time: records of one and of several fragments
// across those spans and at the end of segments larger than one span.
TEST_P(WalRoundTripTest, RecordsAcrossReadSpans) {
  TempDir tmp;
  auto w = MustOpen(tmp.path(), Opts(GetParam(), 80));
  std::mt19937 rng(5);
  std::vector<std::string> want;
  size_t bytes = 0;
  while (bytes < 6 * 1024 * 1024) {
    const size_t n = rng() % 4 == 0 ? rng() % (3 * kPageSize) : rng() % 2000;
    std::string rec = rng() % 2 ? RandomBytes(n, rng()) : std::string(n, 'x');
    bytes += rec.size();
    ASSERT_TRUE(w->Log({rec}).ok());
    want.push_back(std::move(rec));
  }
  ASSERT_TRUE(w->Close().ok());
  auto segs = ListSegments(tmp.path());
  ASSERT_TRUE(segs.ok());
  EXPECT_GT(segs->size(), 1u);
  EXPECT_EQ(ReadAll(tmp.path()), want);
}

INSTANTIATE_TEST_SUITE_P(Compression, WalRoundTripTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "snappy" : "plain"; });

TEST(WalFormatTest, ReopenStartsANewSegmentAndKeepsOldRecords) {
  TempDir tmp;
  {
    auto w = MustOpen(tmp.path(), Opts(true));
    ASSERT_TRUE(w->Log({"one", "two"}).ok());
  }  // destructor closes
  {
    auto w = MustOpen(tmp.path(), Opts(true));
    EXPECT_EQ(w->current_segment(), 1);
    ASSERT_TRUE(w->Log({"three"}).ok());
    ASSERT_TRUE(w->Sync().ok());
  }
  EXPECT_EQ(ReadAll(tmp.path()), (std::vector<std::string>{"one", "two", "three"}));
}

TEST(WalFormatTest, ExplicitNextSegmentAndTruncate) {
  TempDir tmp;
  auto w = MustOpen(tmp.path(), Opts(false));
  ASSERT_TRUE(w->Log({"a"}).ok());
  auto next = w->NextSegment();
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, 1);
  EXPECT_EQ(FileSize(tmp / "00000000"), kPage);
  ASSERT_TRUE(w->Log({"b"}).ok());
  ASSERT_TRUE(w->NextSegment().ok());
  ASSERT_TRUE(w->Log({"c"}).ok());
  ASSERT_TRUE(w->Truncate(2).ok());
  EXPECT_FALSE(std::filesystem::exists(tmp / "00000000"));
  EXPECT_FALSE(std::filesystem::exists(tmp / "00000001"));
  ASSERT_TRUE(w->Truncate(100).ok());  // never removes the current segment
  EXPECT_TRUE(std::filesystem::exists(tmp / "00000002"));
  EXPECT_EQ(ReadAll(tmp.path()), (std::vector<std::string>{"c"}));
}

TEST(WalFormatTest, CallsAfterCloseFail) {
  TempDir tmp;
  auto w = MustOpen(tmp.path(), Opts(false));
  auto seq = w->Log({"a"});
  ASSERT_TRUE(seq.ok());
  ASSERT_TRUE(w->Close().ok());
  EXPECT_TRUE(w->WaitDurable(*seq).ok());  // already durable
  EXPECT_FALSE(w->Log({"b"}).ok());
  EXPECT_FALSE(w->NextSegment().ok());
  EXPECT_FALSE(w->WaitDurable(*seq + 1).ok());
}

TEST(WalFormatTest, SegmentGapIsAnError) {
  TempDir tmp;
  testing::WriteFileBytes(tmp / "00000000", "");
  testing::WriteFileBytes(tmp / "00000002", "");
  testing::WriteFileBytes(tmp / "checkpoint.00000001.tmp", "");
  auto segs = ListSegments(tmp.path());
  ASSERT_FALSE(segs.ok());
  EXPECT_NE(segs.error().message().find("not sequential"), std::string::npos);
  EXPECT_FALSE(Wal::Open(tmp.path(), Opts(false)).ok());
}

TEST(WalFormatTest, SegmentNames) {
  EXPECT_EQ(SegmentName(0), "00000000");
  EXPECT_EQ(SegmentName(1234), "00001234");
  EXPECT_EQ(ParseSegmentName("00000042"), 42);
  EXPECT_EQ(ParseSegmentName("42"), 42);
  EXPECT_FALSE(ParseSegmentName("0000004a"));
  EXPECT_FALSE(ParseSegmentName(""));
  EXPECT_FALSE(ParseSegmentName("99999999999"));
  EXPECT_EQ(ParseCheckpointName("checkpoint.00000007"), 7);
  EXPECT_FALSE(ParseCheckpointName("checkpoint.00000007.tmp"));
}

TEST(WalFormatTest, ConcurrentWritersGroupCommit) {
  TempDir tmp;
  auto w = MustOpen(tmp.path(), Opts(true, 8));
  constexpr int kThreads = 4;
  constexpr int kPerThread = 200;
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string series = fmt::format("s{}-{}", t, i);
        std::string samples = std::string(50 + i, static_cast<char>('a' + t));
        auto seq = w->Log({series, samples});
        if (!seq.ok() || !w->WaitDurable(*seq).ok()) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int f : failures) EXPECT_EQ(f, 0);
  ASSERT_TRUE(w->Close().ok());
  auto recs = ReadAll(tmp.path());
  ASSERT_EQ(recs.size(), size_t{kThreads * kPerThread * 2});
  // Each Log batch stays contiguous and each thread's batches stay in order.
  std::vector<int> next(kThreads, 0);
  for (size_t i = 0; i < recs.size(); i += 2) {
    int t = recs[i][1] - '0';
    ASSERT_EQ(recs[i], fmt::format("s{}-{}", t, next[t]));
    ASSERT_EQ(recs[i + 1], std::string(50 + next[t], static_cast<char>('a' + t)));
    ++next[t];
  }
}

}  // namespace
}  // namespace tsdbd::tsdb::wal
