// A damaged index file gives clear Errors, never a crash: truncation, bad magic, unknown
// version, bad checksums in the TOC, symbol table, postings offset table, series and
// postings lists, and every single-byte flip.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "lib/tsdb/block/index_format.h"
#include "lib/tsdb/block/index_reader.h"
#include "lib/tsdb/chunkenc/big_endian.h"
#include "lib/tsdb/crc32c.h"
#include "tests/testing/process.h"
#include "tests/tsdb/block_index_test_util.h"

namespace tsdbd::tsdb::block {
namespace {

class BlockIndexCorruptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    series_ = testutil::RandomSeries(8, 23, 2);
    const std::string path = dir_.path() + "/good";
    ASSERT_TRUE(testutil::WriteIndex(path, series_).ok());
    good_ = testing::ReadFile(path);
    ASSERT_GT(good_.size(), 500u);
    const char* t = good_.data() + good_.size() - kIndexTocSize;
    auto field = [&](int i) {
      return chunkenc::LoadBigEndian64(reinterpret_cast<const uint8_t*>(t) + 8 * i);
    };
    toc_ = IndexToc{field(0), field(1), field(2), field(3), field(4), field(5)};
  }

  // Opens `bytes` written as a file. Each goes to a fresh name, removed once mapped:
  // overwriting one file thousands of times is slow (ext4 flushes replaced data on close).
  Result<std::unique_ptr<IndexReader>> OpenBytes(const std::string& bytes) {
    const std::string path = dir_.WriteFile("index" + std::to_string(files_++), bytes);
    Result<std::unique_ptr<IndexReader>> r = IndexReader::Open(path);
    std::remove(path.c_str());
    return r;
  }

  // Opens the good file with byte `pos` xor-ed with `mask`.
  Result<std::unique_ptr<IndexReader>> OpenFlipped(size_t pos, uint8_t mask = 0x01) {
    std::string b = good_;
    b[pos] = static_cast<char>(b[pos] ^ mask);
    return OpenBytes(b);
  }

  // Reads everything the reader offers; returns how many reads failed.
  static int ReadEverything(const IndexReader& r) {
    int errors = 0;
    Result<index::PostingsPtr> all = r.Postings("", "");
    if (!all.ok()) return 1;
    for (uint64_t ref : index::ExpandPostings(**all)) {
      Labels labels;
      std::vector<ChunkMeta> chunks;
      if (!r.Series(ref, &labels, &chunks).ok()) ++errors;
    }
    for (const std::string& name : r.LabelNames()) {
      for (const std::string& value : r.LabelValues(name)) {
        Result<index::PostingsPtr> p = r.Postings(name, value);
        if (!p.ok()) {
          ++errors;
          EXPECT_TRUE(index::ExpandPostings(*r.Get(name, value)).empty());
        } else {
          index::ExpandPostings(**p);
        }
      }
    }
    r.Symbols();
    return errors;
  }

  testing::TempDir dir_;
  std::vector<testutil::TestSeries> series_;
  std::string good_;
  IndexToc toc_;
  int files_ = 0;
};

void ExpectErrorContains(const Result<std::unique_ptr<IndexReader>>& r, const std::string& what) {
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find(what), std::string::npos) << r.error().message();
}

TEST_F(BlockIndexCorruptionTest, GoodFileReadsCleanly) {
  Result<std::unique_ptr<IndexReader>> r = OpenBytes(good_);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(ReadEverything(**r), 0);
}

TEST_F(BlockIndexCorruptionTest, MissingFile) {
  ExpectErrorContains(IndexReader::Open(dir_.path() + "/absent"), "absent");
}

TEST_F(BlockIndexCorruptionTest, EveryTruncationIsAnError) {
  for (size_t n = 0; n < good_.size(); ++n) {
    Result<std::unique_ptr<IndexReader>> r = OpenBytes(good_.substr(0, n));
    EXPECT_FALSE(r.ok()) << "truncated to " << n << " bytes";
  }
  ExpectErrorContains(OpenBytes(""), "too short");
  ExpectErrorContains(OpenBytes(good_.substr(0, 20)), "too short");
}

TEST_F(BlockIndexCorruptionTest, BadMagic) {
  ExpectErrorContains(OpenFlipped(0), "magic");
  ExpectErrorContains(OpenFlipped(3, 0x80), "magic");
}

TEST_F(BlockIndexCorruptionTest, UnsupportedVersion) {
  std::string b = good_;
  for (char v : {'\x01', '\x03', '\x00'}) {
    b[4] = v;
    ExpectErrorContains(OpenBytes(b), "version");
  }
}

TEST_F(BlockIndexCorruptionTest, BadTocChecksum) {
  for (size_t i = good_.size() - kIndexTocSize; i < good_.size(); ++i) {
    ExpectErrorContains(OpenFlipped(i), "table of contents");
  }
}

TEST_F(BlockIndexCorruptionTest, TocPointingPastTheFile) {
  std::string b = good_;
  uint8_t* t = reinterpret_cast<uint8_t*>(b.data() + b.size() - kIndexTocSize);
  chunkenc::StoreBigEndian64(t + 8 * 5, b.size() + 100);  // postings offset table
  const uint32_t crc = Crc32c(t, kIndexTocSize - 4);
  t[48] = static_cast<uint8_t>(crc >> 24);
  t[49] = static_cast<uint8_t>(crc >> 16);
  t[50] = static_cast<uint8_t>(crc >> 8);
  t[51] = static_cast<uint8_t>(crc);
  ExpectErrorContains(OpenBytes(b), "past the file");
}

TEST_F(BlockIndexCorruptionTest, BadSymbolTableChecksum) {
  // A byte inside the symbols (after len and count).
  ExpectErrorContains(OpenFlipped(toc_.symbols + 10), "symbol table");
}

TEST_F(BlockIndexCorruptionTest, BadPostingsOffsetTableChecksum) {
  ExpectErrorContains(OpenFlipped(toc_.postings_table + 12), "postings offset table");
}

TEST_F(BlockIndexCorruptionTest, BadSeriesChecksum) {
  // Flip the second byte of the first series (its label count): the series fails its CRC,
  // the others still read.
  Result<std::unique_ptr<IndexReader>> good = OpenBytes(good_);
  ASSERT_TRUE(good.ok());
  const std::vector<uint64_t> refs = index::ExpandPostings(*(*good)->All());
  ASSERT_GE(refs.size(), 2u);
  good->reset();
  Result<std::unique_ptr<IndexReader>> r = OpenFlipped(refs[0] * kSeriesAlignment + 1);
  ASSERT_TRUE(r.ok()) << r.error().message();
  Labels labels;
  std::vector<ChunkMeta> chunks;
  Status s = (*r)->Series(refs[0], &labels, &chunks);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("checksum"), std::string::npos) << s.message();
  EXPECT_TRUE((*r)->Series(refs[1], &labels, &chunks).ok());
}

TEST_F(BlockIndexCorruptionTest, BadPostingsChecksum) {
  // The all-series list is the first postings list: flip a byte of its first reference.
  Result<std::unique_ptr<IndexReader>> r = OpenFlipped(toc_.postings + 8 + 3);
  ASSERT_TRUE(r.ok()) << r.error().message();
  Result<index::PostingsPtr> p = (*r)->Postings("", "");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message().find("checksum"), std::string::npos) << p.error().message();
  EXPECT_TRUE(index::ExpandPostings(*(*r)->All()).empty());
}

TEST_F(BlockIndexCorruptionTest, EverySingleByteFlipIsSafe) {
  // Open fails, or some read reports an error, or the byte is not one the reader checks
  // (padding, the label indices and their offset table, which Prometheus no longer reads
  // either).
  int caught = 0;
  int unnoticed = 0;
  for (size_t i = 0; i < good_.size(); ++i) {
    for (uint8_t mask : {uint8_t{0x01}, uint8_t{0xff}}) {
      Result<std::unique_ptr<IndexReader>> r = OpenFlipped(i, mask);
      if (!r.ok()) {
        ++caught;
        continue;
      }
      if (ReadEverything(**r) > 0) {
        ++caught;
        continue;
      }
      ++unnoticed;
      const bool unread =
          (i >= toc_.label_indices && i < toc_.postings) ||
          (i >= toc_.label_indices_table && i < toc_.postings_table) ||
          (i >= toc_.series && i < toc_.series + kSeriesAlignment && good_[i] == '\0');
      const bool padding = good_[i] == '\0' && i > toc_.series && i < toc_.postings_table;
      EXPECT_TRUE(unread || padding) << "flip of byte " << i << " went unnoticed";
    }
  }
  EXPECT_GT(caught, unnoticed);
}

}  // namespace
}  // namespace tsdbd::tsdb::block
