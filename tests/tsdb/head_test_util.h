// Helpers shared by the head tests: reading a querier's whole result.
#pragma once

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "lib/storage/querier.h"
#include "lib/tsdb/head/head.h"

namespace tsdbd::tsdb::testing {

struct BitSample {
  int64_t t;
  uint64_t v;  // bits
  friend bool operator==(const BitSample&, const BitSample&) = default;
};

inline std::ostream& operator<<(std::ostream& os, const BitSample& s) {
  return os << "(" << s.t << "," << std::hex << s.v << std::dec << ")";
}

struct SeriesData {
  Labels labels;
  std::vector<BitSample> samples;
};

inline std::vector<BitSample> Drain(storage::SampleIterator& it) {
  std::vector<BitSample> out;
  while (it.Next()) {
    storage::Sample s = it.At();
    out.push_back({s.t, std::bit_cast<uint64_t>(s.v)});
  }
  EXPECT_TRUE(it.Err().ok()) << it.Err().message();
  return out;
}

inline std::vector<SeriesData> SelectAll(storage::Queryable& q, int64_t mint, int64_t maxt,
                                         const std::vector<Matcher>& ms, bool sorted = true) {
  auto querier = q.NewQuerier(mint, maxt);
  EXPECT_TRUE(querier.ok());
  auto set = (*querier)->Select(sorted, nullptr, ms);
  std::vector<SeriesData> out;
  while (set->Next()) {
    auto s = set->At();
    auto it = s->Iterator();
    out.push_back({s->labels(), Drain(*it)});
  }
  EXPECT_TRUE(set->Err().ok());
  return out;
}

inline Matcher M(const std::string& name, Matcher::Type t, const std::string& value) {
  return Matcher::MustMake(t, name, value);
}
inline Matcher Eq(const std::string& name, const std::string& value) {
  return M(name, Matcher::Type::kEqual, value);
}

inline HeadOptions MemOptions() {
  HeadOptions o;
  o.stripes = 64;
  return o;
}

}  // namespace tsdbd::tsdb::testing
