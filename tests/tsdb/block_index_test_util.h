// Helpers for the block index tests: random series and writing them to an index file.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "lib/model/labels.h"
#include "lib/model/result.h"
#include "lib/tsdb/block/chunk_meta.h"
#include "lib/tsdb/block/index_writer.h"

namespace tsdbd::tsdb::block::testutil {

struct TestSeries {
  Labels labels;
  std::vector<ChunkMeta> chunks;
};

// `n` distinct random series sorted by labels, each with 1..max_chunks chunks in time order.
inline std::vector<TestSeries> RandomSeries(size_t n, uint32_t seed, size_t max_chunks = 5) {
  std::mt19937_64 rng(seed);
  const std::vector<std::string> names = {"__name__", "job",     "instance", "zone", "le",
                                          "pod",      "ünïcode", "a",        "zzz",  "_x"};
  const std::vector<std::string> alphabet = {
      "a", "b", "z", "0", "9", "-", "_", "é", "日本", "\xf0\x9f\x98\x80", " ", "\"", "\\", "\n"};
  auto random_value = [&] {
    std::string v;
    const size_t len = 1 + rng() % 6;
    for (size_t i = 0; i < len; ++i) v += alphabet[rng() % alphabet.size()];
    return v;
  };
  std::set<std::vector<std::pair<std::string, std::string>>> seen;
  std::vector<TestSeries> out;
  for (size_t attempt = 0; out.size() < n && attempt < n * 100; ++attempt) {
    std::vector<std::pair<std::string, std::string>> pairs;
    pairs.emplace_back("__name__", "metric_" + std::to_string(rng() % 7));
    const size_t extra = rng() % names.size();
    for (size_t i = 0; i < extra; ++i) {
      const std::string& name = names[1 + rng() % (names.size() - 1)];
      if (std::none_of(pairs.begin(), pairs.end(), [&](auto& p) { return p.first == name; })) {
        pairs.emplace_back(name, random_value());
      }
    }
    std::sort(pairs.begin(), pairs.end());
    if (!seen.insert(pairs).second) continue;
    std::vector<std::pair<std::string_view, std::string_view>> views(pairs.begin(), pairs.end());
    TestSeries s;
    s.labels = Labels::FromPairs(views);
    int64_t t = static_cast<int64_t>(rng() % 1000000) - 500000;
    uint64_t ref = (rng() % 3) << 32 | (8 + rng() % 1000);
    const size_t nchunks = 1 + rng() % max_chunks;
    for (size_t i = 0; i < nchunks; ++i) {
      ChunkMeta c;
      c.min_time = t;
      c.max_time = t + static_cast<int64_t>(rng() % 100000);
      c.ref = ref;
      s.chunks.push_back(c);
      t = c.max_time + static_cast<int64_t>(rng() % 1000);
      ref += 1 + rng() % 5000;
    }
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(),
            [](const TestSeries& a, const TestSeries& b) { return a.labels < b.labels; });
  return out;
}

// The sorted distinct names and values of `series`.
inline std::vector<std::string> SymbolsOf(const std::vector<TestSeries>& series) {
  std::set<std::string> s;
  for (const TestSeries& ts : series) {
    for (Label l : ts.labels) {
      s.emplace(l.name);
      s.emplace(l.value);
    }
  }
  return {s.begin(), s.end()};
}

// Writes an index of `series` (sorted) at `path`.
inline Status WriteIndex(const std::string& path, const std::vector<TestSeries>& series) {
  Result<std::unique_ptr<IndexWriter>> w = IndexWriter::Create(path);
  if (!w.ok()) return Status(w.error());
  for (const std::string& s : SymbolsOf(series)) {
    if (Status st = (*w)->AddSymbol(s); !st.ok()) return st;
  }
  for (const TestSeries& ts : series) {
    if (Status st = (*w)->AddSeries(ts.labels, ts.chunks); !st.ok()) return st;
  }
  return (*w)->Close();
}

}  // namespace tsdbd::tsdb::block::testutil
