// Merging blocks: random data split over blocks (side by side and overlapping), compacted and
// read back through Block::Open + NewQuerier, compared with the union; deletions, stale
// markers, failures; and promtool 2.42 reading the result.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "lib/model/matcher.h"
#include "lib/tsdb/block/block.h"
#include "lib/tsdb/block/block_writer.h"
#include "lib/tsdb/block/ulid.h"
#include "lib/tsdb/chunkenc/xor_chunk.h"
#include "lib/tsdb/compact/compactor.h"
#include "lib/tsdb/compact/series_merge.h"
#include "tests/testing/process.h"
#include "tests/testing/promtool_dump.h"

namespace tsdbd::tsdb::compact {
namespace {

namespace fs = std::filesystem;
using block::BlockMeta;
using block::BlockPtr;
using block::ChunkSeries;

constexpr uint64_t kStaleNaN = 0x7ff0000000000002ULL;

struct S {
  int64_t t;
  uint64_t bits;
  bool operator==(const S&) const = default;
};
// Series text (Labels::ToString) -> samples in time order.
using Model = std::map<std::string, std::vector<S>>;

uint64_t Bits(double v) {
  return std::bit_cast<uint64_t>(v);
}

Labels ParseName(const std::string& name) {
  // The test series are all {__name__="m", s="<x>"}; keep the mapping in one place.
  return Labels{{"__name__", "m"}, {"s", name}};
}

// Writes `model` (keys are values of label s) as a block in `dir` covering [mint, maxt),
// chunks of `per_chunk` samples. Returns the opened block.
BlockPtr MakeBlock(const std::string& dir, const std::map<std::string, std::vector<S>>& model,
                   int64_t mint, int64_t maxt, int per_chunk = 120) {
  std::vector<ChunkSeries> series;
  auto owned = std::make_shared<std::vector<std::vector<uint8_t>>>();
  owned->reserve(10000);
  for (const auto& [name, samples] : model) {
    ChunkSeries cs;
    cs.labels = ParseName(name);
    for (size_t i = 0; i < samples.size(); i += per_chunk) {
      chunkenc::XorChunk c;
      size_t end = std::min(samples.size(), i + per_chunk);
      for (size_t k = i; k < end; ++k) EXPECT_TRUE(c.AppendBits(samples[k].t, samples[k].bits));
      owned->emplace_back(c.Bytes().begin(), c.Bytes().end());
      cs.chunks.push_back({samples[i].t, samples[end - 1].t, owned->back()});
    }
    if (!cs.chunks.empty()) series.push_back(std::move(cs));
  }
  std::sort(series.begin(), series.end(),
            [](const ChunkSeries& a, const ChunkSeries& b) { return a.labels < b.labels; });
  BlockMeta meta;
  meta.ulid = block::NewUlid(1700000000000);
  meta.min_time = mint;
  meta.max_time = maxt;
  meta.compaction.level = 1;
  meta.compaction.sources = {meta.ulid};
  auto written = block::WriteBlock(dir, series, meta);
  EXPECT_TRUE(written.ok()) << written.error().message();
  auto b = block::Block::Open(dir + "/" + meta.ulid);
  EXPECT_TRUE(b.ok()) << b.error().message();
  return b.ok() ? *b : nullptr;
}

// Every sample of a block, through its querier.
Model ReadBack(const block::Block& b) {
  Model out;
  auto q = b.NewQuerier(INT64_MIN, INT64_MAX);
  std::vector<Matcher> ms = {Matcher::MustMake(Matcher::Type::kRegexMatch, "__name__", ".+")};
  auto set = q->Select(true, nullptr, ms);
  while (set->Next()) {
    auto series = set->At();
    auto it = series->Iterator();
    std::vector<S>& samples = out[std::string(series->labels().Get("s"))];
    while (it->Next()) samples.push_back({it->At().t, Bits(it->At().v)});
    EXPECT_TRUE(it->Err().ok()) << it->Err().message();
  }
  EXPECT_TRUE(set->Err().ok()) << set->Err().message();
  return out;
}

// The union of the models; on equal timestamps the earlier model wins.
Model Union(const std::vector<Model>& models) {
  Model out;
  for (const Model& m : models) {
    for (const auto& [name, samples] : m) {
      std::map<int64_t, uint64_t> merged;
      for (const S& s : out[name]) merged[s.t] = s.bits;
      for (const S& s : samples) merged.emplace(s.t, s.bits);  // keeps the earlier one
      out[name].clear();
      for (auto [t, bits] : merged) out[name].push_back({t, bits});
    }
  }
  for (auto it = out.begin(); it != out.end();) it = it->second.empty() ? out.erase(it) : ++it;
  return out;
}

// Random series: `n` names drawn from 0..2n, samples at random steps within [mint, maxt).
Model RandomModel(std::mt19937_64& rng, int n, int64_t mint, int64_t maxt, int64_t step) {
  Model m;
  for (int i = 0; i < n; ++i) {
    std::string name = std::to_string(rng() % (2 * n));
    std::vector<S>& samples = m[name];
    samples.clear();
    for (int64_t t = mint + static_cast<int64_t>(rng() % step); t < maxt;
         t += 1 + static_cast<int64_t>(rng() % step)) {
      uint64_t r = rng() % 20;
      double v = r == 0 ? std::bit_cast<double>(kStaleNaN) : static_cast<double>(rng() % 1000) / 4;
      samples.push_back({t, r == 0 ? kStaleNaN : Bits(v)});
    }
  }
  return m;
}

std::vector<BlockPtr> Reopen(const std::string& dir, const std::vector<BlockPtr>& blocks) {
  std::vector<BlockPtr> out;
  for (const BlockPtr& b : blocks) {
    auto r = block::Block::Open(dir + "/" + b->ulid());
    EXPECT_TRUE(r.ok());
    out.push_back(*r);
  }
  return out;
}

// Compacts and opens the result.
BlockPtr CompactAndOpen(const std::string& out_dir, const std::vector<BlockPtr>& in,
                        BlockMeta* meta = nullptr) {
  auto r = CompactBlocks(out_dir, in, 1700000000000);
  EXPECT_TRUE(r.ok()) << r.error().message();
  if (!r.ok() || !r->has_value()) return nullptr;
  if (meta) *meta = **r;
  auto b = block::Block::Open(out_dir + "/" + (*r)->ulid);
  EXPECT_TRUE(b.ok()) << b.error().message();
  return b.ok() ? *b : nullptr;
}

// Every chunk of every series in the block: (min, max, samples), checking they are ordered
// and not overlapping.
uint64_t CheckChunks(const block::Block& b, uint32_t max_samples) {
  uint64_t chunks = 0;
  auto all = b.index().All();
  while (all->Next()) {
    Labels ls;
    std::vector<block::ChunkMeta> metas;
    EXPECT_TRUE(b.index().Series(all->At(), &ls, &metas).ok());
    for (size_t i = 0; i < metas.size(); ++i) {
      if (i > 0) {
        EXPECT_LT(metas[i - 1].max_time, metas[i].min_time) << ls.ToString();
      }
      auto bytes = b.chunks().Chunk(metas[i].ref);
      EXPECT_TRUE(bytes.ok());
      if (bytes.ok()) {
        EXPECT_LE(block::ChunkSamples(*bytes), max_samples) << ls.ToString();
      }
      ++chunks;
    }
  }
  return chunks;
}

TEST(CompactMergeTest, AdjacentBlocksMergeToTheUnionWithChunksCopied) {
  testing::TempDir dir;
  fs::create_directories(dir.path() + "/in");
  std::mt19937_64 rng(42);
  std::vector<Model> models;
  std::vector<BlockPtr> blocks;
  uint64_t input_chunks = 0, input_samples = 0;
  for (int i = 0; i < 3; ++i) {
    const int64_t mint = i * 7200000, maxt = mint + 7200000;
    models.push_back(RandomModel(rng, 50, mint, maxt, 30000));
    blocks.push_back(MakeBlock(dir.path() + "/in", models.back(), mint, maxt, 100));
    ASSERT_NE(blocks.back(), nullptr);
    input_chunks += blocks.back()->meta().stats.num_chunks;
    input_samples += blocks.back()->meta().stats.num_samples;
  }
  BlockMeta meta;
  BlockPtr out = CompactAndOpen(dir.path(), blocks, &meta);
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(ReadBack(*out), Union(models));
  // Nothing overlaps: every chunk is copied as it was (100 samples each at most, not 120).
  EXPECT_EQ(CheckChunks(*out, 100), input_chunks);
  EXPECT_EQ(meta.stats.num_chunks, input_chunks);
  EXPECT_EQ(meta.stats.num_samples, input_samples);
  EXPECT_EQ(meta.stats.num_series, Union(models).size());
  // Meta: the span of the inputs, one level up, sources and parents.
  EXPECT_EQ(meta.min_time, 0);
  EXPECT_EQ(meta.max_time, 3 * 7200000);
  EXPECT_EQ(meta.compaction.level, 2);
  ASSERT_EQ(meta.compaction.parents.size(), 3u);
  std::vector<std::string> sources;
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(meta.compaction.parents[i].ulid, blocks[i]->ulid());
    EXPECT_EQ(meta.compaction.parents[i].min_time, blocks[i]->MinTime());
    EXPECT_EQ(meta.compaction.parents[i].max_time, blocks[i]->MaxTime());
    sources.push_back(blocks[i]->ulid());
  }
  std::sort(sources.begin(), sources.end());
  EXPECT_EQ(meta.compaction.sources, sources);
  EXPECT_EQ(out->meta(), meta);
  EXPECT_TRUE(block::IsUlid(meta.ulid));
  EXPECT_FALSE(fs::exists(dir.path() + "/" + meta.ulid + std::string(block::kTmpForCreation)));
}

TEST(CompactMergeTest, CompactedMetaTakesHighestLevelAndUnionOfSources) {
  BlockMeta a, b;
  a.ulid = "A";
  a.min_time = 10;
  a.max_time = 20;
  a.compaction.level = 3;
  a.compaction.sources = {"S3", "S1"};
  b.ulid = "B";
  b.min_time = 5;
  b.max_time = 15;
  b.compaction.level = 1;
  b.compaction.sources = {"S2", "S1"};
  std::vector<BlockMeta> in = {a, b};
  BlockMeta m = CompactedMeta(in, "NEW");
  EXPECT_EQ(m.ulid, "NEW");
  EXPECT_EQ(m.min_time, 5);
  EXPECT_EQ(m.max_time, 20);
  EXPECT_EQ(m.compaction.level, 4);
  EXPECT_EQ(m.compaction.sources, (std::vector<std::string>{"S1", "S2", "S3"}));
  EXPECT_EQ(m.compaction.parents, (std::vector<block::BlockDesc>{{"A", 10, 20}, {"B", 5, 15}}));
}

TEST(CompactMergeTest, OverlappingBlocksMergeSampleBySampleFirstBlockWins) {
  testing::TempDir dir;
  fs::create_directories(dir.path() + "/in");
  std::mt19937_64 rng(7);
  std::vector<Model> models;
  std::vector<BlockPtr> blocks;
  // Three blocks over [0,3h), [1h,4h), [0,4h): lots of overlap and equal timestamps (step
  // of at most 10 samples' worth on a coarse grid so that times collide).
  const int64_t ranges[3][2] = {{0, 10800000}, {3600000, 14400000}, {0, 14400000}};
  for (auto [mint, maxt] : ranges) {
    Model m = RandomModel(rng, 40, mint, maxt, 60000);
    for (auto& [name, samples] : m) {
      for (S& s : samples) s.t -= s.t % 15000;  // collide on a 15 s grid
      samples.erase(std::unique(samples.begin(), samples.end(),
                                [](const S& a, const S& b) { return a.t == b.t; }),
                    samples.end());
    }
    models.push_back(m);
    blocks.push_back(MakeBlock(dir.path() + "/in", m, mint, maxt));
    ASSERT_NE(blocks.back(), nullptr);
  }
  BlockMeta meta;
  BlockPtr out = CompactAndOpen(dir.path(), blocks, &meta);
  ASSERT_NE(out, nullptr);
  Model want = Union(models);
  EXPECT_EQ(ReadBack(*out), want);
  CheckChunks(*out, kMaxMergedChunkSamples);
  uint64_t samples = 0;
  for (const auto& [name, s] : want) samples += s.size();
  EXPECT_EQ(meta.stats.num_samples, samples);
  EXPECT_EQ(meta.min_time, 0);
  EXPECT_EQ(meta.max_time, 14400000);

  // The other order: the other block's values win on equal timestamps.
  std::vector<BlockPtr> reversed(blocks.rbegin(), blocks.rend());
  std::vector<Model> reversed_models(models.rbegin(), models.rend());
  testing::TempDir dir2;
  BlockPtr out2 = CompactAndOpen(dir2.path(), reversed);
  ASSERT_NE(out2, nullptr);
  EXPECT_EQ(ReadBack(*out2), Union(reversed_models));
  EXPECT_NE(Union(reversed_models), want);  // the data really had conflicting duplicates
}

TEST(CompactMergeTest, StaleMarkersAndNaNPayloadsKeptBitForBit) {
  testing::TempDir dir;
  fs::create_directories(dir.path() + "/in");
  const uint64_t other_nan = 0x7ff8000000000123ULL, neg_zero = 0x8000000000000000ULL;
  Model a = {{"x", {{1000, Bits(1)}, {2000, kStaleNaN}, {3000, other_nan}, {4000, neg_zero}}}};
  Model b = {{"x", {{2500, kStaleNaN}, {3000, Bits(9)}, {5000, kStaleNaN}}},
             {"y", {{6000, kStaleNaN}}}};
  std::vector<BlockPtr> blocks = {MakeBlock(dir.path() + "/in", a, 0, 7200000),
                                  MakeBlock(dir.path() + "/in", b, 0, 7200000)};
  BlockPtr out = CompactAndOpen(dir.path(), blocks);
  ASSERT_NE(out, nullptr);
  Model want = {{"x",
                 {{1000, Bits(1)},
                  {2000, kStaleNaN},
                  {2500, kStaleNaN},
                  {3000, other_nan},
                  {4000, neg_zero},
                  {5000, kStaleNaN}}},
                {"y", {{6000, kStaleNaN}}}};
  EXPECT_EQ(ReadBack(*out), want);
}

TEST(CompactMergeTest, DeletedIntervalsAreGoneAndUntouchedChunksCopied) {
  testing::TempDir dir;
  fs::create_directories(dir.path() + "/in");
  Model a, b;
  for (int s = 0; s < 4; ++s) {
    for (int64_t t = 0; t < 7200000; t += 15000) a[std::to_string(s)].push_back({t, Bits(t + s)});
    for (int64_t t = 7200000; t < 14400000; t += 15000) {
      b[std::to_string(s)].push_back({t, Bits(t * 2 + s)});
    }
  }
  std::vector<BlockPtr> blocks = {MakeBlock(dir.path() + "/in", a, 0, 7200000),
                                  MakeBlock(dir.path() + "/in", b, 7200000, 14400000)};
  // s="0": everything deleted in both blocks; s="1": [100000, 200000] in the first block
  // (inside its first chunk of 120 samples: [0, 1785000]); s="2": a whole chunk of the
  // second block, [9000000, 10785000]; s="3" untouched.
  using T = Matcher::Type;
  ASSERT_TRUE(
      blocks[0]
          ->Delete(INT64_MIN, INT64_MAX, std::vector{Matcher::MustMake(T::kEqual, "s", "0")})
          .ok());
  ASSERT_TRUE(
      blocks[1]
          ->Delete(INT64_MIN, INT64_MAX, std::vector{Matcher::MustMake(T::kEqual, "s", "0")})
          .ok());
  ASSERT_TRUE(
      blocks[0]->Delete(100000, 200000, std::vector{Matcher::MustMake(T::kEqual, "s", "1")}).ok());
  ASSERT_TRUE(blocks[1]
                  ->Delete(9000000, 10785000, std::vector{Matcher::MustMake(T::kEqual, "s", "2")})
                  .ok());
  const uint64_t input_chunks =
      blocks[0]->meta().stats.num_chunks + blocks[1]->meta().stats.num_chunks;

  BlockMeta meta;
  BlockPtr out = CompactAndOpen(dir.path(), blocks, &meta);
  ASSERT_NE(out, nullptr);
  Model want = Union({a, b});
  want.erase("0");
  std::erase_if(want["1"], [](const S& s) { return s.t >= 100000 && s.t <= 200000; });
  std::erase_if(want["2"], [](const S& s) { return s.t >= 9000000 && s.t <= 10785000; });
  EXPECT_EQ(ReadBack(*out), want);
  EXPECT_EQ(meta.stats.num_series, 3u);
  EXPECT_EQ(meta.stats.num_tombstones, 0u);
  EXPECT_TRUE(out->tombstones()->Empty());
  // s="0" had 8 chunks (4 per block), s="2" lost one whole chunk; s="1" kept its chunk count.
  EXPECT_EQ(meta.stats.num_chunks, input_chunks - 8 - 1);
  CheckChunks(*out, 120);
  // As Prometheus 2.42 (seen after its clean_tombstones): the symbol table is the inputs',
  // the value of the series dropped whole included.
  const std::vector<std::string_view> symbols = out->index().Symbols();
  EXPECT_EQ(symbols, blocks[0]->index().Symbols());
  EXPECT_NE(std::find(symbols.begin(), symbols.end(), "0"), symbols.end());
}

TEST(CompactMergeTest, NothingLeftWritesNoBlock) {
  testing::TempDir dir;
  fs::create_directories(dir.path() + "/in");
  Model a = {{"x", {{1000, Bits(1)}, {2000, Bits(2)}}}};
  BlockPtr in = MakeBlock(dir.path() + "/in", a, 0, 7200000);
  ASSERT_TRUE(
      in->Delete(0, 5000, std::vector{Matcher::MustMake(Matcher::Type::kEqual, "s", "x")}).ok());
  auto r = CompactBlocks(dir.path(), std::vector{in}, 1700000000000);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_FALSE(r->has_value());
  std::vector<std::string> entries;
  for (const auto& e : fs::directory_iterator(dir.path())) entries.push_back(e.path().filename());
  EXPECT_EQ(entries, std::vector<std::string>{"in"});
}

TEST(CompactMergeTest, NoBlocksIsAnError) {
  testing::TempDir dir;
  auto r = CompactBlocks(dir.path(), {}, 1700000000000);
  EXPECT_FALSE(r.ok());
}

TEST(CompactMergeTest, CorruptChunkFailsAndLeavesNothingBehind) {
  testing::TempDir dir;
  fs::create_directories(dir.path() + "/in");
  std::mt19937_64 rng(3);
  Model a = RandomModel(rng, 10, 0, 7200000, 30000);
  BlockPtr in = MakeBlock(dir.path() + "/in", a, 0, 7200000);
  ASSERT_NE(in, nullptr);
  const std::string seg = dir.path() + "/in/" + in->ulid() + "/chunks/000001";
  {
    std::fstream f(seg, std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f.good());
    f.seekg(0, std::ios::end);
    const std::streamoff size = f.tellg();
    for (std::streamoff off = 16; off < size; off += 97) {  // past the segment header
      f.seekp(off);
      f.put(static_cast<char>(0x5a));
    }
  }
  BlockPtr reopened = Reopen(dir.path() + "/in", {in})[0];
  auto r = CompactBlocks(dir.path(), std::vector{reopened}, 1700000000000);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find(in->ulid()), std::string::npos) << r.error().message();
  std::vector<std::string> entries;
  for (const auto& e : fs::directory_iterator(dir.path())) entries.push_back(e.path().filename());
  EXPECT_EQ(entries, std::vector<std::string>{"in"});
}

TEST(CompactMergeTest, PromtoolDumpsExactlyTheMergedSamples) {
  if (!testing::HaveProgram("promtool")) GTEST_SKIP() << "promtool not installed";
  testing::TempDir dir;
  fs::create_directories(dir.path() + "/in");
  fs::create_directories(dir.path() + "/out/wal");  // promtool dump opens the WAL too
  std::mt19937_64 rng(99);
  std::vector<Model> models;
  std::vector<BlockPtr> blocks;
  const int64_t base = 1699999200000;  // a multiple of 2h
  const int64_t ranges[3][2] = {{0, 7200000}, {3600000, 10800000}, {7200000, 14400000}};
  for (auto [mint, maxt] : ranges) {
    Model m = RandomModel(rng, 30, base + mint, base + maxt, 20000);
    for (auto& [name, samples] : m) {
      for (S& s : samples) s.t -= s.t % 10000;
      samples.erase(std::unique(samples.begin(), samples.end(),
                                [](const S& a, const S& b) { return a.t == b.t; }),
                    samples.end());
    }
    models.push_back(m);
    blocks.push_back(MakeBlock(dir.path() + "/in", m, base + mint, base + maxt));
    ASSERT_NE(blocks.back(), nullptr);
  }
  BlockPtr out = CompactAndOpen(dir.path() + "/out", blocks);
  ASSERT_NE(out, nullptr);
  auto r = testing::Run({"promtool", "tsdb", "dump", dir.path() + "/out"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto got = testing::ParsePromtoolDump(r.output);
  Model want = Union(models);
  ASSERT_EQ(got.size(), want.size());
  for (const auto& [name, samples] : want) {
    const std::string key = ParseName(name).ToString();
    ASSERT_TRUE(got.count(key)) << key;
    const auto& g = got[key];
    ASSERT_EQ(g.size(), samples.size()) << key;
    for (size_t i = 0; i < samples.size(); ++i) {
      EXPECT_EQ(g[i].first, samples[i].t) << key;
      const double v = std::bit_cast<double>(samples[i].bits);
      if (std::isnan(v)) {
        EXPECT_TRUE(std::isnan(g[i].second)) << key << " @" << samples[i].t;
      } else {
        EXPECT_EQ(g[i].second, v) << key << " @" << samples[i].t;
      }
    }
  }
  // And promtool's own reading of the block agrees on its stats.
  auto list = testing::Run({"promtool", "tsdb", "list", dir.path() + "/out"});
  ASSERT_EQ(list.exit_code, 0) << list.output;
  EXPECT_NE(list.output.find(out->ulid()), std::string::npos) << list.output;
}

}  // namespace
}  // namespace tsdbd::tsdb::compact
