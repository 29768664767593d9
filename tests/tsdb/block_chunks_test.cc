// Chunk segment files: round trips across segments, promtool-written segments, byte
// identity with promtool, and every way a segment can be damaged.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "lib/tsdb/block/chunk_reader.h"
#include "lib/tsdb/block/chunk_writer.h"
#include "lib/tsdb/block/meta.h"
#include "lib/tsdb/block/tombstones.h"
#include "lib/tsdb/chunkenc/xor_chunk.h"
#include "lib/tsdb/chunkenc/xor_iterator.h"
#include "lib/tsdb/crc32c.h"
#include "tests/testing/process.h"
#include "tests/tsdb/block_files_test_util.h"

namespace tsdbd::tsdb::block {
namespace {

namespace stdfs = std::filesystem;
using testing::ReadFile;
using testing::TempDir;

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::vector<uint8_t> RandomChunk(std::mt19937& rng, size_t max_len) {
  std::vector<uint8_t> d(1 + rng() % max_len);
  for (auto& b : d) b = static_cast<uint8_t>(rng());
  return d;
}

struct Written {
  uint64_t ref;
  uint8_t encoding;
  std::vector<uint8_t> data;
};

std::vector<Written> WriteRandom(const std::string& dir, int n, uint64_t segment_bytes,
                                 uint64_t* bytes_written = nullptr) {
  std::mt19937 rng(42);
  auto w = ChunkWriter::Create(dir, segment_bytes);
  EXPECT_TRUE(w.ok()) << w.error().message();
  std::vector<Written> out;
  for (int i = 0; i < n; ++i) {
    Written c{0, static_cast<uint8_t>(1 + i % 3), RandomChunk(rng, 300)};
    auto ref = (*w)->Write(c.encoding, c.data);
    EXPECT_TRUE(ref.ok()) << ref.error().message();
    c.ref = *ref;
    out.push_back(std::move(c));
  }
  Status s = (*w)->Close();
  EXPECT_TRUE(s.ok()) << s.message();
  if (bytes_written) *bytes_written = (*w)->bytes_written();
  return out;
}

TEST(BlockChunks, RoundTripAcrossSegments) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/chunks";
  uint64_t written = 0;
  const std::vector<Written> chunks = WriteRandom(dir, 2000, 16 << 10, &written);

  // Several segments, none over the limit, refs point at their own segment.
  uint64_t on_disk = 0;
  int files = 0;
  for (const auto& e : stdfs::directory_iterator(dir)) {
    ++files;
    EXPECT_LE(e.file_size(), 16u << 10) << e.path();  // chunks are far smaller than that
    on_disk += e.file_size();
  }
  EXPECT_GT(files, 5);
  EXPECT_EQ(on_disk, written);
  EXPECT_TRUE(stdfs::exists(dir + "/000001"));
  EXPECT_EQ((chunks.back().ref >> 32) + 1, static_cast<uint64_t>(files));
  EXPECT_EQ(chunks.front().ref, 8u);  // first chunk right after the segment header

  auto r = ChunkReader::Open(dir);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ((*r)->size(), written);
  EXPECT_EQ((*r)->num_segments(), static_cast<size_t>(files));
  // Random order, as queries read them.
  std::vector<size_t> order(chunks.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(7));
  for (size_t i : order) {
    uint8_t enc = 0;
    auto d = (*r)->Chunk(chunks[i].ref, &enc);
    ASSERT_TRUE(d.ok()) << d.error().message();
    EXPECT_EQ(enc, chunks[i].encoding);
    EXPECT_EQ(std::vector<uint8_t>(d->begin(), d->end()), chunks[i].data) << "chunk " << i;
  }
}

TEST(BlockChunks, SegmentHeaderAndChunkLayout) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/chunks";
  auto w = ChunkWriter::Create(dir);
  ASSERT_TRUE(w.ok());
  const std::vector<uint8_t> data(200, 0xAB);  // length 200 needs a 2-byte uvarint
  auto ref = (*w)->Write(1, data);
  ASSERT_TRUE(ref.ok());
  auto ref2 = (*w)->Write(1, std::vector<uint8_t>{1, 2, 3});
  ASSERT_TRUE(ref2.ok());
  ASSERT_TRUE((*w)->Close().ok());
  EXPECT_EQ(*ref, 8u);
  EXPECT_EQ(*ref2, 8u + 2 + 1 + 200 + 4);
  const std::string f = ReadFile(dir + "/000001");
  ASSERT_EQ(f.size(), 8u + 207 + 1 + 1 + 3 + 4);
  EXPECT_EQ(f.substr(0, 8), std::string("\x85\xBD\x40\xDD\x01\x00\x00\x00", 8));
  EXPECT_EQ(f.substr(8, 3), std::string("\xC8\x01\x01", 3));  // uvarint 200, XOR
  // CRC32C of the encoding byte and data, big-endian, closes each chunk.
  const uint32_t crc = Crc32c(std::string_view("\x01\x01\x02\x03", 4));
  const std::string want_crc = {static_cast<char>(crc >> 24), static_cast<char>(crc >> 16),
                                static_cast<char>(crc >> 8), static_cast<char>(crc)};
  EXPECT_EQ(f.substr(f.size() - 4), want_crc);
}

TEST(BlockChunks, SegmentCuttingFollowsPrometheus) {
  // Each batch is estimated at 5 + (5 + 1 + len + 4) per chunk; a segment is cut when the
  // estimate would pass segment_bytes, unless the batch alone is larger than a segment.
  TempDir tmp;
  const std::string dir = tmp.path() + "/chunks";
  auto w = ChunkWriter::Create(dir, 100);
  ASSERT_TRUE(w.ok());
  auto a = (*w)->Write(1, std::vector<uint8_t>(60, 1));     // 8 + 75 <= 100: segment 0
  auto b = (*w)->Write(1, std::vector<uint8_t>(10, 2));     // 8 + 62 + 25 = 95 <= 100: still 0
  auto c = (*w)->Write(1, std::vector<uint8_t>(10, 3));     // would pass: segment 1
  auto big = (*w)->Write(1, std::vector<uint8_t>(500, 4));  // larger than a segment: no cut
  auto d = (*w)->Write(1, std::vector<uint8_t>(1, 5));      // segment 1 is past its size: cut
  ASSERT_TRUE(a.ok() && b.ok() && c.ok() && big.ok() && d.ok());
  EXPECT_EQ(*a, 8u);
  EXPECT_EQ(*b, 8u + 1 + 1 + 60 + 4);
  EXPECT_EQ(*c, (uint64_t{1} << 32) | 8);
  EXPECT_EQ(*big, (uint64_t{1} << 32) | (8 + 1 + 1 + 10 + 4));
  EXPECT_EQ(*d, (uint64_t{2} << 32) | 8);
  // A batch (one series' chunks) stays in one segment.
  const std::vector<uint8_t> x(20, 6);
  const std::vector<ChunkWriter::ChunkData> batch = {{1, x}, {1, x}, {1, x}};
  uint64_t refs[3];
  ASSERT_TRUE((*w)->WriteBatch(batch, refs).ok());
  EXPECT_EQ(refs[0], (uint64_t{3} << 32) | 8);
  EXPECT_EQ(refs[1], (uint64_t{3} << 32) | (8 + 26));
  EXPECT_EQ(refs[2], (uint64_t{3} << 32) | (8 + 52));
  ASSERT_TRUE((*w)->Close().ok());
  auto r = ChunkReader::Open(dir);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->num_segments(), 4u);
  auto data = (*r)->Chunk(*big);
  ASSERT_TRUE(data.ok()) << data.error().message();
  EXPECT_EQ(data->size(), 500u);
  for (uint64_t ref : refs) {
    auto got = (*r)->Chunk(ref);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(std::vector<uint8_t>(got->begin(), got->end()), x);
  }
}

TEST(BlockChunks, WriterMisuseIsAnError) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/chunks";
  auto w = ChunkWriter::Create(dir);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write(1, std::vector<uint8_t>{1}).ok());
  ASSERT_TRUE((*w)->Close().ok());
  EXPECT_TRUE((*w)->Close().ok());  // idempotent
  EXPECT_FALSE((*w)->Write(1, std::vector<uint8_t>{1}).ok());
  // A second writer must not overwrite existing segments.
  EXPECT_FALSE(ChunkWriter::Create(dir).ok());
  EXPECT_FALSE(ChunkWriter::Create(tmp.path() + "/x", 8).ok());
  // A file where the directory should be.
  tmp.WriteFile("file", "x");
  EXPECT_FALSE(ChunkWriter::Create(tmp.path() + "/file").ok());
}

TEST(BlockChunks, EmptyWriterLeavesEmptyDirectory) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/chunks";
  auto w = ChunkWriter::Create(dir);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Close().ok());
  EXPECT_TRUE(stdfs::is_empty(dir));
  auto r = ChunkReader::Open(dir);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->size(), 0u);
  EXPECT_FALSE((*r)->Chunk(8).ok());
}

// --- damage -------------------------------------------------------------------------

class BlockChunksCorruption : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.path() + "/chunks";
    chunks_ = WriteRandom(dir_, 50, 4096);
    ASSERT_GT(chunks_.back().ref >> 32, 0u);
  }
  std::string Segment(int n) const {
    char name[8];
    std::snprintf(name, sizeof name, "%06d", n);
    return dir_ + "/" + name;
  }
  TempDir tmp_;
  std::string dir_;
  std::vector<Written> chunks_;
};

TEST_F(BlockChunksCorruption, BadRefs) {
  auto r = ChunkReader::Open(dir_);
  ASSERT_TRUE(r.ok());
  const uint64_t segs = (*r)->num_segments();
  EXPECT_FALSE((*r)->Chunk(segs << 32 | 8).ok());  // no such segment
  EXPECT_FALSE((*r)->Chunk(0).ok());               // inside the header
  EXPECT_FALSE((*r)->Chunk(7).ok());               // inside the header
  EXPECT_FALSE((*r)->Chunk(0xffffffffull).ok());   // past the end
  EXPECT_FALSE((*r)->Chunk(~uint64_t{0}).ok());    // nonsense
  auto mid = (*r)->Chunk(chunks_[0].ref + 1);      // not a chunk start
  EXPECT_FALSE(mid.ok() && mid->size() == chunks_[0].data.size());
}

TEST_F(BlockChunksCorruption, ChecksumMismatch) {
  std::string f = ReadFile(Segment(1));
  const size_t data_at = chunks_[1].ref + 3;  // inside chunk 1's data
  f[data_at] = static_cast<char>(f[data_at] ^ 0x01);
  WriteBytes(Segment(1), f);
  auto r = ChunkReader::Open(dir_);
  ASSERT_TRUE(r.ok());
  auto d = (*r)->Chunk(chunks_[1].ref);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message().find("checksum"), std::string::npos) << d.error().message();
  EXPECT_TRUE((*r)->Chunk(chunks_[0].ref).ok());  // its neighbours are fine
  EXPECT_TRUE((*r)->Chunk(chunks_[2].ref).ok());
}

TEST_F(BlockChunksCorruption, TruncatedSegment) {
  // Cut the first segment in the middle of its last chunk, then at every shorter length
  // down to the header: no read may fail other than with an Error.
  std::string f = ReadFile(Segment(1));
  uint64_t last = 0;
  for (const auto& c : chunks_) {
    if (c.ref >> 32 == 0) last = c.ref;
  }
  for (size_t len = f.size() - 1; len >= 8 && len + 40 > f.size(); --len) {
    WriteBytes(Segment(1), f.substr(0, len));
    auto r = ChunkReader::Open(dir_);
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_FALSE((*r)->Chunk(last).ok()) << "length " << len;
  }
  WriteBytes(Segment(1), f.substr(0, 5));  // too short for a header
  EXPECT_FALSE(ChunkReader::Open(dir_).ok());
  WriteBytes(Segment(1), "");
  EXPECT_FALSE(ChunkReader::Open(dir_).ok());
}

TEST_F(BlockChunksCorruption, BadMagicOrVersion) {
  std::string f = ReadFile(Segment(2));
  std::string bad = f;
  bad[0] = 0x00;
  WriteBytes(Segment(2), bad);
  auto r = ChunkReader::Open(dir_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("magic"), std::string::npos) << r.error().message();
  bad = f;
  bad[4] = 2;
  WriteBytes(Segment(2), bad);
  r = ChunkReader::Open(dir_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("version"), std::string::npos) << r.error().message();
}

TEST_F(BlockChunksCorruption, MissingSegmentOrDirectory) {
  stdfs::remove(Segment(1));
  EXPECT_FALSE(ChunkReader::Open(dir_).ok());
  EXPECT_FALSE(ChunkReader::Open(tmp_.path() + "/nope").ok());
}

TEST_F(BlockChunksCorruption, RandomDamageNeverCrashes) {
  const std::string f = ReadFile(Segment(1));
  std::mt19937 rng(1);
  for (int round = 0; round < 200; ++round) {
    std::string bad = f;
    for (int k = 0; k < 3; ++k) bad[8 + rng() % (bad.size() - 8)] = static_cast<char>(rng());
    WriteBytes(Segment(1), bad);
    auto r = ChunkReader::Open(dir_);
    ASSERT_TRUE(r.ok());
    for (const auto& c : chunks_) {
      auto d = (*r)->Chunk(c.ref);
      if (d.ok()) {
        EXPECT_LE(d->size(), bad.size());
      }
    }
  }
}

// --- promtool -----------------------------------------------------------------------

TEST(BlockChunksPromtool, ReadsPromtoolSegmentsAndWritesThemByteForByte) {
  if (!testing::HaveProgram("promtool")) GTEST_SKIP() << "promtool not installed";
  TempDir tmp;
  constexpr int kSeries = 4, kSamples = 700;
  const std::string block = testutil::PromtoolBlock(tmp.path(), kSeries, kSamples);
  ASSERT_FALSE(block.empty());
  const std::string seg = ReadFile(block + "/chunks/000001");
  const std::vector<testutil::ScannedChunk> scanned = testutil::ScanSegment(seg);
  ASSERT_FALSE(scanned.empty());

  auto r = ChunkReader::Open(block + "/chunks");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ((*r)->size(), seg.size());
  // Every chunk reads back through its ref and decodes; together they hold every sample.
  std::map<double, int> first_values;  // first value of each chunk -> samples in it
  size_t total = 0;
  for (const auto& c : scanned) {
    uint8_t enc = 0;
    auto d = (*r)->Chunk(c.offset, &enc);
    ASSERT_TRUE(d.ok()) << d.error().message();
    EXPECT_EQ(enc, 1);
    EXPECT_EQ(std::vector<uint8_t>(d->begin(), d->end()), c.data);
    chunkenc::XorIterator it(*d);
    size_t n = 0;
    int64_t prev = INT64_MIN;
    while (it.Next()) {
      EXPECT_GT(it.t(), prev);
      prev = it.t();
      ++n;
    }
    EXPECT_TRUE(it.Err().ok()) << it.Err().message();
    total += n;
  }
  EXPECT_EQ(total, static_cast<size_t>(kSeries * kSamples));

  // The same chunk sequence through our writer gives the very same file.
  const std::string ours = tmp.path() + "/ours";
  auto w = ChunkWriter::Create(ours);
  ASSERT_TRUE(w.ok());
  for (const auto& c : scanned) {
    auto ref = (*w)->Write(c.encoding, c.data);
    ASSERT_TRUE(ref.ok());
    EXPECT_EQ(*ref, c.offset);
  }
  ASSERT_TRUE((*w)->Close().ok());
  EXPECT_TRUE(ReadFile(ours + "/000001") == seg) << "segment bytes differ from promtool's";
  EXPECT_FALSE(stdfs::exists(ours + "/000002"));
}

TEST(BlockChunksPromtool, PromtoolReadsOurSegmentAndMeta) {
  // promtool dumps a block by following the index's refs into our chunk file: rewrite a
  // promtool block's segment, meta.json and tombstones with our writers and neither the
  // dump nor the listing may change.
  if (!testing::HaveProgram("promtool")) GTEST_SKIP() << "promtool not installed";
  TempDir tmp;
  const std::string block = testutil::PromtoolBlock(tmp.path(), 3, 500);
  ASSERT_FALSE(block.empty());
  stdfs::create_directories(tmp.path() + "/out/wal");  // dump reads the WAL too
  auto before = testing::Run({"promtool", "tsdb", "dump", tmp.path() + "/out"});
  ASSERT_EQ(before.exit_code, 0) << before.output;
  const auto scanned = testutil::ScanSegment(ReadFile(block + "/chunks/000001"));
  stdfs::remove_all(block + "/chunks");
  auto w = ChunkWriter::Create(block + "/chunks");
  ASSERT_TRUE(w.ok());
  for (const auto& c : scanned) {
    ASSERT_TRUE((*w)->Write(c.encoding, c.data).ok());
  }
  ASSERT_TRUE((*w)->Close().ok());
  auto list_before = testing::Run({"promtool", "tsdb", "list", tmp.path() + "/out"});
  ASSERT_EQ(list_before.exit_code, 0) << list_before.output;
  auto meta = ReadMeta(block);
  ASSERT_TRUE(meta.ok());
  stdfs::remove(block + "/meta.json");
  stdfs::remove(block + "/tombstones");
  ASSERT_TRUE(WriteMeta(block, *meta).ok());
  ASSERT_TRUE(WriteTombstones(block, Tombstones()).ok());
  auto after = testing::Run({"promtool", "tsdb", "dump", tmp.path() + "/out"});
  ASSERT_EQ(after.exit_code, 0) << after.output;
  EXPECT_EQ(after.output, before.output);
  auto list_after = testing::Run({"promtool", "tsdb", "list", tmp.path() + "/out"});
  EXPECT_EQ(list_after.output, list_before.output);
  EXPECT_NE(list_after.output.find(meta->ulid), std::string::npos) << list_after.output;
  EXPECT_GT(std::count(after.output.begin(), after.output.end(), '\n'), 1000);
}

}  // namespace
}  // namespace tsdbd::tsdb::block
