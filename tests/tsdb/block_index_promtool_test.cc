// Compatibility with Prometheus 2.42's index files: promtool writes blocks from an
// OpenMetrics file; IndexReader must read back the series, chunk time ranges and postings,
// and IndexWriter given the same series and chunk references must write the very same
// bytes. Skipped when promtool is absent.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "lib/model/labels.h"
#include "lib/tsdb/block/index_reader.h"
#include "lib/tsdb/block/index_writer.h"
#include "tests/testing/process.h"

namespace tsdbd::tsdb::block {
namespace {

namespace stdfs = std::filesystem;

struct InputSeries {
  Labels labels;
  std::vector<int64_t> times;  // ms
};

std::string EscapeValue(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// Random series of a few metrics; every series has samples every 15 s inside one 2h block
// range (so promtool writes one block), some enough for several chunks.
std::vector<InputSeries> MakeInput(uint32_t seed, size_t n) {
  std::mt19937 rng(seed);
  const std::vector<std::string> values = {"a",         "b",   "prod",    "ü",
                                           "日本語",    "x y", "q\"uote", "back\\slash",
                                           "new\nline", "0",   "zz",      "\xf0\x9f\x98\x80"};
  const std::vector<std::string> names = {"job", "instance", "zone", "le"};
  const int64_t t0 = 1'699'999'200'000;  // a multiple of 2h
  std::set<std::string> seen;
  std::vector<InputSeries> out;
  for (size_t attempt = 0; out.size() < n && attempt < 100 * n; ++attempt) {
    std::vector<std::pair<std::string, std::string>> pairs;
    pairs.emplace_back("__name__", "metric_" + std::to_string(rng() % 5));
    for (size_t i = 0; i < names.size(); ++i) {
      if (rng() % 2) pairs.emplace_back(names[i], values[rng() % values.size()]);
    }
    pairs.emplace_back("id", std::to_string(rng() % 50));
    std::vector<std::pair<std::string_view, std::string_view>> views(pairs.begin(), pairs.end());
    Labels l = Labels::FromPairs(views);
    if (!seen.insert(l.ToString()).second) continue;
    InputSeries s;
    s.labels = l;
    const int count = 1 + static_cast<int>(rng() % 400);
    const int64_t start = t0 + static_cast<int64_t>(rng() % 60) * 1000;
    for (int i = 0; i < count; ++i) s.times.push_back(start + i * 15000);
    out.push_back(std::move(s));
  }
  return out;
}

// The input as OpenMetrics text: series grouped by metric name, as families must be.
std::string ToOpenMetrics(const std::vector<InputSeries>& input) {
  std::vector<const InputSeries*> sorted;
  for (const InputSeries& s : input) sorted.push_back(&s);
  std::sort(sorted.begin(), sorted.end(),
            [](const InputSeries* a, const InputSeries* b) { return a->labels < b->labels; });
  std::string out;
  std::string family;
  for (const InputSeries* s : sorted) {
    const std::string name(s->labels.MetricName());
    if (name != family) {
      out += "# TYPE " + name + " gauge\n";
      family = name;
    }
    std::string series = name + "{";
    bool first = true;
    for (Label l : s->labels) {
      if (l.name == kMetricName) continue;
      if (!first) series += ",";
      first = false;
      series += std::string(l.name) + "=\"" + EscapeValue(l.value) + "\"";
    }
    series += "}";
    for (size_t i = 0; i < s->times.size(); ++i) {
      out += series + " " + std::to_string(i % 17) + " " + std::to_string(s->times[i] / 1000) +
             "." + std::to_string(s->times[i] % 1000 / 100) + "\n";
    }
  }
  out += "# EOF\n";
  return out;
}

class PromtoolIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::HaveProgram("promtool")) GTEST_SKIP() << "promtool not installed";
    input_ = MakeInput(17, 300);
    const std::string om = dir_.WriteFile("in.om", ToOpenMetrics(input_));
    const std::string out = dir_.path() + "/blocks";
    testing::RunResult r =
        testing::Run({"promtool", "tsdb", "create-blocks-from", "openmetrics", om, out});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    for (const auto& e : stdfs::directory_iterator(out)) {
      if (stdfs::exists(e.path() / "index")) blocks_.push_back(e.path().string());
    }
    ASSERT_EQ(blocks_.size(), 1u) << r.output;
    block_ = blocks_[0];
  }

  testing::TempDir dir_;
  std::vector<InputSeries> input_;
  std::vector<std::string> blocks_;
  std::string block_;
};

TEST_F(PromtoolIndexTest, ReaderSeesPromtoolSeries) {
  Result<std::unique_ptr<IndexReader>> r = IndexReader::Open(block_ + "/index");
  ASSERT_TRUE(r.ok()) << r.error().message();
  const IndexReader& ir = **r;

  std::map<std::string, const InputSeries*> want;
  for (const InputSeries& s : input_) want[s.labels.ToString()] = &s;

  const std::vector<uint64_t> all = index::ExpandPostings(*ir.All());
  ASSERT_EQ(all.size(), input_.size());
  std::map<std::string, std::map<std::string, std::vector<uint64_t>>> model;
  Labels prev;
  for (uint64_t ref : all) {
    Labels labels;
    std::vector<ChunkMeta> chunks;
    ASSERT_TRUE(ir.Series(ref, &labels, &chunks).ok());
    if (ref != all.front()) {
      EXPECT_LT(Compare(prev, labels), 0);
    }
    prev = labels;
    auto it = want.find(labels.ToString());
    ASSERT_NE(it, want.end()) << labels.ToString();
    const InputSeries& s = *it->second;
    ASSERT_FALSE(chunks.empty());
    EXPECT_EQ(chunks.front().min_time, s.times.front()) << labels.ToString();
    EXPECT_EQ(chunks.back().max_time, s.times.back()) << labels.ToString();
    // 120 samples a chunk at most, as Prometheus cuts them.
    EXPECT_GE(chunks.size(), (s.times.size() + 119) / 120) << labels.ToString();
    for (size_t i = 0; i < chunks.size(); ++i) {
      EXPECT_LE(chunks[i].min_time, chunks[i].max_time);
      if (i > 0) {
        EXPECT_LT(chunks[i - 1].max_time, chunks[i].min_time);
        EXPECT_GT(chunks[i].ref, chunks[i - 1].ref);
      }
    }
    for (Label l : labels) model[std::string(l.name)][std::string(l.value)].push_back(ref);
  }

  std::vector<std::string> names;
  for (const auto& [name, values] : model) {
    names.push_back(name);
    std::vector<std::string> vals;
    for (const auto& [value, refs] : values) {
      vals.push_back(value);
      EXPECT_EQ(index::ExpandPostings(*ir.Get(name, value)), refs) << name << "=" << value;
    }
    EXPECT_EQ(ir.LabelValues(name), vals);
  }
  EXPECT_EQ(ir.LabelNames(), names);
}

// Rewrites promtool's index from what our reader saw; returns the bytes.
std::string RewriteIndex(const IndexReader& ir, const std::string& path) {
  Result<std::unique_ptr<IndexWriter>> w = IndexWriter::Create(path);
  EXPECT_TRUE(w.ok());
  if (!w.ok()) return "";
  for (std::string_view s : ir.Symbols()) {
    Status st = (*w)->AddSymbol(s);
    EXPECT_TRUE(st.ok()) << st.message();
    if (!st.ok()) return "";
  }
  for (uint64_t ref : index::ExpandPostings(*ir.All())) {
    Labels labels;
    std::vector<ChunkMeta> chunks;
    EXPECT_TRUE(ir.Series(ref, &labels, &chunks).ok());
    Status st = (*w)->AddSeries(labels, chunks);
    EXPECT_TRUE(st.ok()) << st.message();
    if (!st.ok()) return "";
  }
  Status st = (*w)->Close();
  EXPECT_TRUE(st.ok()) << st.message();
  return testing::ReadFile(path);
}

TEST_F(PromtoolIndexTest, WriterOutputIsByteIdentical) {
  Result<std::unique_ptr<IndexReader>> r = IndexReader::Open(block_ + "/index");
  ASSERT_TRUE(r.ok()) << r.error().message();
  const std::string theirs = testing::ReadFile(block_ + "/index");
  const std::string ours = RewriteIndex(**r, dir_.path() + "/index.ours");
  ASSERT_EQ(ours.size(), theirs.size());
  size_t first_diff = 0;
  while (first_diff < ours.size() && ours[first_diff] == theirs[first_diff]) ++first_diff;
  EXPECT_EQ(first_diff, ours.size()) << "first difference at byte " << first_diff;
}

TEST_F(PromtoolIndexTest, PromtoolDumpsBlockWithOurIndex) {
  Result<std::unique_ptr<IndexReader>> r = IndexReader::Open(block_ + "/index");
  ASSERT_TRUE(r.ok()) << r.error().message();
  // A copy of the block whose index our writer wrote.
  const std::string copy = dir_.path() + "/copy/" + stdfs::path(block_).filename().string();
  stdfs::create_directories(stdfs::path(copy).parent_path());
  stdfs::copy(block_, copy, stdfs::copy_options::recursive);
  RewriteIndex(**r, copy + "/index");
  // promtool dump opens the directory as a database, which wants a WAL directory.
  stdfs::create_directories(stdfs::path(block_).parent_path() / "wal");
  stdfs::create_directories(stdfs::path(copy).parent_path() / "wal");
  testing::RunResult theirs =
      testing::Run({"promtool", "tsdb", "dump", stdfs::path(block_).parent_path().string()});
  testing::RunResult ours =
      testing::Run({"promtool", "tsdb", "dump", stdfs::path(copy).parent_path().string()});
  ASSERT_EQ(theirs.exit_code, 0) << theirs.output;
  ASSERT_EQ(ours.exit_code, 0) << ours.output;
  EXPECT_GT(ours.output.size(), 1000u);
  EXPECT_EQ(ours.output, theirs.output);
}

}  // namespace
}  // namespace tsdbd::tsdb::block
