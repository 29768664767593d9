// MergeSeriesChunks on hand-made chunk lists: copies, re-cuts of overlaps at 120 samples as
// Prometheus 2.42 cuts them, deletions, and corrupt chunks.
#include <gtest/gtest.h>

#include <bit>
#include <vector>

#include "lib/tsdb/chunkenc/xor_chunk.h"
#include "lib/tsdb/chunkenc/xor_iterator.h"
#include "lib/tsdb/compact/series_merge.h"

namespace tsdbd::tsdb::compact {
namespace {

using block::ChunkSpan;
using block::Interval;

struct Owned {
  std::vector<std::vector<uint8_t>> bufs;
  // A chunk of samples at `times` with value t * scale.
  ChunkSpan Chunk(const std::vector<int64_t>& times, double scale) {
    chunkenc::XorChunk c;
    for (int64_t t : times) EXPECT_TRUE(c.Append(t, static_cast<double>(t) * scale));
    bufs.emplace_back(c.Bytes().begin(), c.Bytes().end());
    return {times.front(), times.back(), bufs.back()};
  }
};

std::vector<int64_t> Range(int64_t from, int64_t to, int64_t step) {
  std::vector<int64_t> out;
  for (int64_t t = from; t < to; t += step) out.push_back(t);
  return out;
}

std::vector<std::pair<int64_t, double>> Samples(const std::vector<ChunkSpan>& chunks) {
  std::vector<std::pair<int64_t, double>> out;
  for (const ChunkSpan& c : chunks) {
    chunkenc::XorIterator it(c.bytes);
    while (it.Next()) out.push_back({it.t(), it.v()});
    EXPECT_TRUE(it.Err().ok());
  }
  return out;
}

TEST(SeriesMergeTest, NonOverlappingChunksAreBorrowedAsTheyAre) {
  Owned o;
  std::vector<SourceChunk> in = {{o.Chunk(Range(200, 300, 10), 1), 1, {}},
                                 {o.Chunk(Range(0, 100, 10), 1), 0, {}}};
  const uint8_t* first = in[1].chunk.bytes.data();
  std::vector<ChunkSpan> out;
  OwnedChunks owned;
  ASSERT_TRUE(MergeSeriesChunks(in, &out, &owned).ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].bytes.data(), first);  // sorted by time, same bytes
  EXPECT_EQ(out[0].min_time, 0);
  EXPECT_EQ(out[1].min_time, 200);
  EXPECT_TRUE(owned.empty());
}

TEST(SeriesMergeTest, OverlapsAreMergedAndCutAt120Samples) {
  Owned o;
  // Even times 0..238 in one (120 samples), odd times 1..159 in the other (80): 200 merged.
  std::vector<SourceChunk> in = {{o.Chunk(Range(0, 240, 2), 1), 0, {}},
                                 {o.Chunk(Range(1, 160, 2), 1), 1, {}}};
  std::vector<ChunkSpan> out;
  OwnedChunks owned;
  ASSERT_TRUE(MergeSeriesChunks(in, &out, &owned).ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(block::ChunkSamples(out[0].bytes), 120u);
  EXPECT_EQ(block::ChunkSamples(out[1].bytes), 80u);
  EXPECT_EQ(out[0].min_time, 0);
  EXPECT_EQ(out[0].max_time, 119);
  EXPECT_EQ(out[1].min_time, 120);
  EXPECT_EQ(out[1].max_time, 238);
  auto s = Samples(out);
  ASSERT_EQ(s.size(), 200u);
  for (size_t i = 1; i < s.size(); ++i) EXPECT_LT(s[i - 1].first, s[i].first);
}

TEST(SeriesMergeTest, EqualTimestampsKeepTheLowestSource) {
  Owned o;
  std::vector<SourceChunk> in = {{o.Chunk({10, 20, 30}, 2), 1, {}},
                                 {o.Chunk({10, 20, 30}, 1), 0, {}},
                                 {o.Chunk({20, 40}, 3), 2, {}}};
  std::vector<ChunkSpan> out;
  OwnedChunks owned;
  ASSERT_TRUE(MergeSeriesChunks(in, &out, &owned).ok());
  EXPECT_EQ(Samples(out),
            (std::vector<std::pair<int64_t, double>>{{10, 10}, {20, 20}, {30, 30}, {40, 120}}));
}

TEST(SeriesMergeTest, DeletionsDropOrReencodeOnlyWhatTheyTouch) {
  Owned o;
  std::vector<Interval> deleted = {{0, 99}, {150, 160}};
  std::vector<SourceChunk> in = {{o.Chunk(Range(0, 100, 10), 1), 0, deleted},     // all gone
                                 {o.Chunk(Range(100, 200, 10), 1), 0, deleted},   // partly
                                 {o.Chunk(Range(200, 300, 10), 1), 0, deleted}};  // untouched
  const uint8_t* untouched = in[2].chunk.bytes.data();
  std::vector<ChunkSpan> out;
  OwnedChunks owned;
  ASSERT_TRUE(MergeSeriesChunks(in, &out, &owned).ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(block::ChunkSamples(out[0].bytes), 8u);  // 150 and 160 dropped
  EXPECT_EQ(out[0].min_time, 100);
  EXPECT_EQ(out[0].max_time, 190);
  EXPECT_EQ(out[1].bytes.data(), untouched);
  EXPECT_EQ(owned.size(), 1u);
  // A partial deletion that leaves nothing (the interval covers every sample but not the
  // chunk's claimed range) drops the chunk.
  Owned o2;
  std::vector<Interval> all = {{100, 100}, {110, 120}};
  std::vector<SourceChunk> in2 = {{o2.Chunk({100, 120}, 1), 0, all}};
  in2[0].chunk.max_time = 130;  // claims more than it has
  out.clear();
  ASSERT_TRUE(MergeSeriesChunks(in2, &out, &owned).ok());
  EXPECT_TRUE(out.empty());
}

TEST(SeriesMergeTest, CorruptChunkIsAnError) {
  Owned o;
  ChunkSpan c = o.Chunk(Range(0, 50, 1), 1.5);
  std::vector<uint8_t> cut(c.bytes.begin(), c.bytes.begin() + 8);  // truncated
  std::vector<SourceChunk> in = {{{0, 49, cut}, 0, {}}, {o.Chunk({10, 60}, 1), 1, {}}};
  std::vector<ChunkSpan> out;
  OwnedChunks owned;
  EXPECT_FALSE(MergeSeriesChunks(in, &out, &owned).ok());
}

}  // namespace
}  // namespace tsdbd::tsdb::compact
