// Writing series with IndexWriter and reading them back with IndexReader: labels, chunk
// metas, label names and values, symbols, every postings list, matchers; and the writer's
// refusals of out-of-order or unknown input.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "lib/model/matcher.h"
#include "lib/tsdb/block/index_reader.h"
#include "lib/tsdb/block/index_writer.h"
#include "lib/tsdb/index/postings_matchers.h"
#include "tests/testing/process.h"
#include "tests/tsdb/block_index_test_util.h"

namespace tsdbd::tsdb::block {
namespace {

using testutil::RandomSeries;
using testutil::TestSeries;
using testutil::WriteIndex;

std::vector<uint64_t> Expand(index::PostingsPtr p) {
  return index::ExpandPostings(*p);
}

class BlockIndexRoundTripTest : public ::testing::TestWithParam<uint32_t> {};

TEST_P(BlockIndexRoundTripTest, EverythingReadsBack) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/index";
  const std::vector<TestSeries> series = RandomSeries(400, GetParam());
  ASSERT_EQ(series.size(), 400u);
  ASSERT_TRUE(WriteIndex(path, series).ok());

  Result<std::unique_ptr<IndexReader>> r = IndexReader::Open(path);
  ASSERT_TRUE(r.ok()) << r.error().message();
  const IndexReader& ir = **r;
  EXPECT_EQ(ir.version(), 2);
  EXPECT_EQ(ir.size(), testing::ReadFile(path).size());

  // All(): one reference per series, in label order.
  const std::vector<uint64_t> all = Expand(ir.All());
  ASSERT_EQ(all.size(), series.size());
  std::map<uint64_t, size_t> index_of;
  for (size_t i = 0; i < all.size(); ++i) {
    index_of[all[i]] = i;
    Labels labels;
    std::vector<ChunkMeta> chunks;
    ASSERT_TRUE(ir.Series(all[i], &labels, &chunks).ok());
    EXPECT_EQ(labels, series[i].labels)
        << labels.ToString() << " vs " << series[i].labels.ToString();
    EXPECT_EQ(chunks, series[i].chunks) << i;
  }

  // Postings, label names and values against a model.
  std::map<std::string, std::map<std::string, std::vector<uint64_t>>> model;
  for (size_t i = 0; i < series.size(); ++i) {
    for (Label l : series[i].labels) {
      model[std::string(l.name)][std::string(l.value)].push_back(all[i]);
    }
  }
  std::vector<std::string> names;
  for (const auto& [name, values] : model) {
    names.push_back(name);
    std::vector<std::string> want_values;
    for (const auto& [value, refs] : values) {
      want_values.push_back(value);
      EXPECT_EQ(Expand(ir.Get(name, value)), refs) << name << "=" << value;
      Result<index::PostingsPtr> checked = ir.Postings(name, value);
      ASSERT_TRUE(checked.ok());
      EXPECT_EQ(Expand(std::move(*checked)), refs);
    }
    EXPECT_EQ(ir.LabelValues(name), want_values) << name;
    EXPECT_TRUE(Expand(ir.Get(name, "no such value")).empty());
    // GetMatching with every value is the union; GetAny with two values too.
    std::set<uint64_t> every;
    for (const auto& [value, refs] : values) every.insert(refs.begin(), refs.end());
    EXPECT_EQ(Expand(ir.GetMatching(name, [](std::string_view) { return true; })),
              std::vector<uint64_t>(every.begin(), every.end()));
    const std::vector<std::string> two = {values.rbegin()->first, values.begin()->first, "absent"};
    std::set<uint64_t> want_two(values.begin()->second.begin(), values.begin()->second.end());
    want_two.insert(values.rbegin()->second.begin(), values.rbegin()->second.end());
    EXPECT_EQ(Expand(ir.GetAny(name, two)),
              std::vector<uint64_t>(want_two.begin(), want_two.end()));
  }
  EXPECT_EQ(ir.LabelNames(), names);
  EXPECT_TRUE(ir.LabelValues("nope").empty());
  EXPECT_TRUE(Expand(ir.Get("nope", "x")).empty());

  // "" comes first, as in Prometheus's indexes.
  std::vector<std::string> want_symbols = {""};
  for (const std::string& s : testutil::SymbolsOf(series)) want_symbols.push_back(s);
  const std::vector<std::string_view> symbols = ir.Symbols();
  EXPECT_EQ(std::vector<std::string>(symbols.begin(), symbols.end()), want_symbols);
  EXPECT_EQ(ir.SymbolCount(), want_symbols.size());
}

INSTANTIATE_TEST_SUITE_P(Seeds, BlockIndexRoundTripTest, ::testing::Values(1u, 2u, 3u, 42u));

TEST(BlockIndexTest, BadReferencesAreErrors) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/index";
  const std::vector<TestSeries> series = RandomSeries(20, 7);
  ASSERT_TRUE(WriteIndex(path, series).ok());
  Result<std::unique_ptr<IndexReader>> r = IndexReader::Open(path);
  ASSERT_TRUE(r.ok());
  Labels labels;
  std::vector<ChunkMeta> chunks;
  for (uint64_t ref : {uint64_t{0}, uint64_t{1}, uint64_t{1} << 40, UINT64_MAX}) {
    Status s = (*r)->Series(ref, &labels, &chunks);
    EXPECT_FALSE(s.ok()) << ref;
  }
}

TEST(BlockIndexTest, PostingsSeek) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/index";
  const std::vector<TestSeries> series = RandomSeries(300, 11);
  ASSERT_TRUE(WriteIndex(path, series).ok());
  Result<std::unique_ptr<IndexReader>> r = IndexReader::Open(path);
  ASSERT_TRUE(r.ok());
  const std::vector<uint64_t> all = Expand((*r)->All());
  // Seek to every reference and between references, on fresh and on advanced iterators.
  for (size_t i = 0; i < all.size(); ++i) {
    index::PostingsPtr p = (*r)->All();
    ASSERT_TRUE(p->Seek(all[i]));
    EXPECT_EQ(p->At(), all[i]);
    ASSERT_TRUE(p->Seek(all[i] - 1));  // never moves backwards
    EXPECT_EQ(p->At(), all[i]);
    if (i + 1 < all.size()) {
      ASSERT_TRUE(p->Seek(all[i] + 1));
      EXPECT_EQ(p->At(), all[i + 1]);
      EXPECT_EQ(p->Next(), i + 2 < all.size());
      if (i + 2 < all.size()) {
        EXPECT_EQ(p->At(), all[i + 2]);
      }
    }
  }
  index::PostingsPtr p = (*r)->All();
  EXPECT_FALSE(p->Seek(all.back() + 1));
  EXPECT_FALSE(p->Next());
  EXPECT_FALSE(p->Seek(0));
}

TEST(BlockIndexTest, PostingsForMatchersOverIndexReader) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/index";
  const std::vector<TestSeries> series = RandomSeries(500, 5);
  ASSERT_TRUE(WriteIndex(path, series).ok());
  Result<std::unique_ptr<IndexReader>> r = IndexReader::Open(path);
  ASSERT_TRUE(r.ok());
  const std::vector<uint64_t> all = Expand((*r)->All());

  using T = Matcher::Type;
  auto m = [](T t, std::string name, std::string value) {
    return Matcher::MustMake(t, std::move(name), std::move(value));
  };
  const std::vector<std::vector<Matcher>> cases = {
      {m(T::kEqual, "__name__", "metric_1")},
      {m(T::kEqual, "__name__", "metric_1"), m(T::kNotEqual, "job", "")},
      {m(T::kRegexMatch, "__name__", "metric_[12]"), m(T::kEqual, "zone", "")},
      {m(T::kRegexMatch, "job", ".*a.*"), m(T::kRegexNoMatch, "pod", "b.*")},
      {m(T::kNotEqual, "__name__", "metric_3")},
      {m(T::kRegexMatch, "ünïcode", ".+"), m(T::kRegexMatch, "le", "a|b|z|")},
      {m(T::kEqual, "nope", "")},
      {m(T::kEqual, "nope", "x")},
  };
  for (const std::vector<Matcher>& ms : cases) {
    std::vector<uint64_t> want;
    for (size_t i = 0; i < series.size(); ++i) {
      bool ok = true;
      for (const Matcher& mm : ms) {
        ok = ok && mm.Matches(series[i].labels.Get(mm.name()));
      }
      if (ok) want.push_back(all[i]);
    }
    index::PostingsPtr got = index::PostingsForMatchers(**r, ms);
    EXPECT_EQ(Expand(std::move(got)), want) << ms.size() << " matchers, first " << ms[0].ToString();
  }
}

// "prefix.*" matchers visit only the values with the prefix (a range of the sorted values):
// the same series as testing every value, for prefixes that are values, parts of values,
// absent, before the first value and after the last, with bytes above 0x7f and newlines.
TEST(BlockIndexTest, PrefixMatchersSelectAsTestingEveryValue) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/index";
  const std::vector<TestSeries> series = RandomSeries(2000, 13);
  ASSERT_TRUE(WriteIndex(path, series).ok());
  Result<std::unique_ptr<IndexReader>> r = IndexReader::Open(path);
  ASSERT_TRUE(r.ok());
  const std::vector<uint64_t> all = Expand((*r)->All());

  auto escape = [](std::string_view literal) {
    std::string out;
    for (char c : literal) {
      if (std::string_view(".+*?()|[]{}^$\\").find(c) != std::string_view::npos)
        out.push_back('\\');
      out.push_back(c);
    }
    return out;
  };
  size_t nonempty = 0;
  for (const std::string& name : (*r)->LabelNames()) {
    // Regexes are UTF-8: prefixes end on character boundaries. U+10FFFF sorts last.
    std::set<std::string> prefixes = {"", "\x01", "\xf4\x8f\xbf\xbf", "metric_1", "metric_"};
    for (const std::string& v : (*r)->LabelValues(name)) {
      for (size_t len = 1; len <= v.size(); ++len) {
        if (len == v.size() || (static_cast<uint8_t>(v[len]) & 0xc0) != 0x80) {
          prefixes.insert(v.substr(0, len));
        }
      }
    }
    for (const std::string& prefix : prefixes) {
      for (Matcher::Type t : {Matcher::Type::kRegexMatch, Matcher::Type::kRegexNoMatch}) {
        const Matcher m = Matcher::MustMake(t, name, escape(prefix) + ".*");
        ASSERT_EQ(m.RegexPrefix(), prefix) << m.ToString();
        std::vector<uint64_t> want;
        for (size_t i = 0; i < series.size(); ++i) {
          if (m.Matches(series[i].labels.Get(name))) want.push_back(all[i]);
        }
        const std::vector<Matcher> ms = {m};
        EXPECT_EQ(Expand(index::PostingsForMatchers(**r, ms)), want) << m.ToString();
        nonempty += !want.empty();
      }
    }
  }
  EXPECT_GT(nonempty, 100u);
}

TEST(BlockIndexTest, ConcurrentReaders) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/index";
  const std::vector<TestSeries> series = RandomSeries(300, 9);
  ASSERT_TRUE(WriteIndex(path, series).ok());
  Result<std::unique_ptr<IndexReader>> r = IndexReader::Open(path);
  ASSERT_TRUE(r.ok());
  const IndexReader& ir = **r;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int round = 0; round < 3; ++round) {
        const std::vector<uint64_t> all = Expand(ir.All());
        for (size_t i = 0; i < all.size(); ++i) {
          Labels labels;
          std::vector<ChunkMeta> chunks;
          if (!ir.Series(all[i], &labels, &chunks).ok() || !(labels == series[i].labels)) {
            ++failures;
          }
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(BlockIndexTest, EmptyIndex) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/index";
  ASSERT_TRUE(WriteIndex(path, {}).ok());
  Result<std::unique_ptr<IndexReader>> r = IndexReader::Open(path);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(Expand((*r)->All()).empty());
  EXPECT_TRUE((*r)->LabelNames().empty());
  EXPECT_EQ((*r)->Symbols(), std::vector<std::string_view>{""});
}

TEST(BlockIndexWriterTest, RefusesSymbolsOutOfOrder) {
  testing::TempDir dir;
  Result<std::unique_ptr<IndexWriter>> w = IndexWriter::Create(dir.path() + "/index");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->AddSymbol("b").ok());
  EXPECT_FALSE((*w)->AddSymbol("a").ok());
  EXPECT_FALSE((*w)->Close().ok());  // unusable after an error
}

TEST(BlockIndexWriterTest, RefusesDuplicateSymbols) {
  testing::TempDir dir;
  Result<std::unique_ptr<IndexWriter>> w = IndexWriter::Create(dir.path() + "/index");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->AddSymbol("a").ok());
  EXPECT_FALSE((*w)->AddSymbol("a").ok());
}

TEST(BlockIndexWriterTest, EmptySymbolIsAlwaysFirst) {
  testing::TempDir dir;
  for (bool add_empty : {false, true}) {
    const std::string path = dir.path() + "/index" + std::to_string(add_empty);
    Result<std::unique_ptr<IndexWriter>> w = IndexWriter::Create(path);
    ASSERT_TRUE(w.ok());
    if (add_empty) {
      ASSERT_TRUE((*w)->AddSymbol("").ok());
    }
    ASSERT_TRUE((*w)->AddSymbol("a").ok());
    EXPECT_FALSE((*w)->AddSymbol("").ok());  // not after "a"
  }
  const std::string path = dir.path() + "/index";
  Result<std::unique_ptr<IndexWriter>> w = IndexWriter::Create(path);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->AddSymbol("").ok());
  ASSERT_TRUE((*w)->AddSymbol("a").ok());
  ASSERT_TRUE((*w)->Close().ok());
  Result<std::unique_ptr<IndexReader>> r = IndexReader::Open(path);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->Symbols(), (std::vector<std::string_view>{"", "a"}));
}

TEST(BlockIndexWriterTest, RefusesSeriesOutOfOrderOrWithUnknownSymbols) {
  testing::TempDir dir;
  const Labels a{{"__name__", "a"}};
  const Labels b{{"__name__", "b"}};
  const Labels c{{"__name__", "c"}};
  {
    Result<std::unique_ptr<IndexWriter>> w = IndexWriter::Create(dir.path() + "/i1");
    ASSERT_TRUE(w.ok());
    for (const char* s : {"__name__", "a", "b"}) ASSERT_TRUE((*w)->AddSymbol(s).ok());
    ASSERT_TRUE((*w)->AddSeries(b, {}).ok());
    EXPECT_FALSE((*w)->AddSeries(a, {}).ok());
  }
  {
    Result<std::unique_ptr<IndexWriter>> w = IndexWriter::Create(dir.path() + "/i2");
    ASSERT_TRUE(w.ok());
    for (const char* s : {"__name__", "a", "b"}) ASSERT_TRUE((*w)->AddSymbol(s).ok());
    ASSERT_TRUE((*w)->AddSeries(a, {}).ok());
    EXPECT_FALSE((*w)->AddSeries(a, {}).ok());  // duplicate
  }
  {
    Result<std::unique_ptr<IndexWriter>> w = IndexWriter::Create(dir.path() + "/i3");
    ASSERT_TRUE(w.ok());
    for (const char* s : {"__name__", "a", "b"}) ASSERT_TRUE((*w)->AddSymbol(s).ok());
    EXPECT_FALSE((*w)->AddSeries(c, {}).ok());
  }
  {
    Result<std::unique_ptr<IndexWriter>> w = IndexWriter::Create(dir.path() + "/i4");
    ASSERT_TRUE(w.ok());
    for (const char* s : {"__name__", "a"}) ASSERT_TRUE((*w)->AddSymbol(s).ok());
    ASSERT_TRUE((*w)->AddSeries(a, {}).ok());
    EXPECT_FALSE((*w)->AddSymbol("z").ok());  // symbols after series
  }
  {
    Result<std::unique_ptr<IndexWriter>> w = IndexWriter::Create(dir.path() + "/i5");
    ASSERT_TRUE(w.ok());
    for (const char* s : {"__name__", "a"}) ASSERT_TRUE((*w)->AddSymbol(s).ok());
    const std::vector<ChunkMeta> unsorted = {{8, 100, 200}, {20, 50, 60}};
    EXPECT_FALSE((*w)->AddSeries(a, unsorted).ok());
  }
  {
    Result<std::unique_ptr<IndexWriter>> w = IndexWriter::Create(dir.path() + "/i6");
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Close().ok());
    EXPECT_FALSE((*w)->Close().ok());
  }
}

TEST(BlockIndexWriterTest, CreateInMissingDirectoryFails) {
  Result<std::unique_ptr<IndexWriter>> w = IndexWriter::Create("/nonexistent-dir/x/index");
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.error().message().find("/nonexistent-dir/x/index"), std::string::npos);
}

TEST(BlockIndexWriterTest, SizeGrowsAndMatchesFile) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/index";
  Result<std::unique_ptr<IndexWriter>> w = IndexWriter::Create(path);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ((*w)->size(), 5u + 8u + 1u);  // header, symbol table head, ""
  const std::vector<TestSeries> series = RandomSeries(50, 3);
  for (const std::string& s : testutil::SymbolsOf(series)) ASSERT_TRUE((*w)->AddSymbol(s).ok());
  for (const TestSeries& ts : series) ASSERT_TRUE((*w)->AddSeries(ts.labels, ts.chunks).ok());
  ASSERT_TRUE((*w)->Close().ok());
  EXPECT_EQ((*w)->size(), testing::ReadFile(path).size());
}

}  // namespace
}  // namespace tsdbd::tsdb::block
