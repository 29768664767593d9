// The cases of the max-samples tests: a data set (series with one sample per second, so that
// a range of X seconds holds X + 1 points, and many sparser series) and query families whose
// held points grow with a parameter X, each with the X from which Prometheus 2.42 fails.
// max_samples_test.cc checks our engine against the recorded thresholds;
// max_samples_differential_test.cc finds them again on a live Prometheus.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/model/labels.h"
#include "lib/storage/memory_storage.h"

namespace tsdbd::promql::max_samples_cases {

constexpr int64_t kT0 = 1700000000;    // seconds; the data starts here
constexpr int64_t kSpan = 4000;        // seconds of data
constexpr int64_t kEvalTime = 3600;    // seconds after kT0: instant queries' time
constexpr int64_t kMaxSamples = 2000;  // --query.max-samples of both engines

struct DataSeries {
  std::vector<std::pair<std::string, std::string>> labels;  // __name__ first
  int64_t every;                                            // seconds between samples
  double factor;                                            // value = factor * seconds
};

// m: 1 series every 1 s; a{i="0".."4"}: every 1 s; b{i="0".."49"}: every 10 s.
inline std::vector<DataSeries> Series() {
  std::vector<DataSeries> out = {{{{"__name__", "m"}}, 1, 1}};
  for (int i = 0; i < 5; ++i)
    out.push_back({{{"__name__", "a"}, {"i", std::to_string(i)}}, 1, i + 1.0});
  for (int i = 0; i < 50; ++i)
    out.push_back({{{"__name__", "b"}, {"i", std::to_string(i)}}, 10, 0.5 * i});
  return out;
}

inline void Load(storage::MemoryStorage* mem) {
  for (const DataSeries& s : Series()) {
    std::vector<std::pair<std::string_view, std::string_view>> pairs(s.labels.begin(),
                                                                     s.labels.end());
    std::vector<storage::Sample> samples;
    for (int64_t t = 0; t <= kSpan; t += s.every) {
      samples.push_back({(kT0 + t) * 1000, s.factor * static_cast<double>(t)});
    }
    mem->Add(Labels::FromPairs(pairs), std::move(samples));
  }
}

// The same data as OpenMetrics text for promtool tsdb create-blocks-from openmetrics.
inline std::string OpenMetrics() {
  std::string out;
  for (const DataSeries& s : Series()) {
    std::string name = s.labels[0].second + "{";
    for (size_t i = 1; i < s.labels.size(); ++i) {
      if (i > 1) name += ",";
      name += s.labels[i].first + "=\"" + s.labels[i].second + "\"";
    }
    name += "} ";
    for (int64_t t = 0; t <= kSpan; t += s.every) {
      char value[64];
      std::snprintf(value, sizeof value, "%.17g", s.factor * static_cast<double>(t));
      out += name + value + " " + std::to_string(kT0 + t) + "\n";
    }
  }
  return out + "# EOF\n";
}

// A query whose number of held points grows with X: "{X}" in `query` is replaced by X;
// a range query (step > 0) runs from `start` to `end + X * end_per_x` (seconds after kT0).
struct Family {
  std::string query;
  int64_t threshold;  // Prometheus 2.42 fails from this X on (found by the differential test)
  int64_t lo, hi;     // Prometheus answers at X = lo and fails at X = hi
  int64_t start = kEvalTime;
  int64_t end = 0, end_per_x = 0, step = 0;
};

inline const std::vector<Family>& Families() {
  static const std::vector<Family> kFamilies = {
      // Range functions at one instant: the window, then the output.
      {"max_over_time(m[{X}s])", 1999, 1, 3000},
      {"rate(m[{X}s])", 1999, 1, 3000},
      {"count_over_time(m[{X}s] offset 100s)", 1999, 1, 3000},
      {"sum(sum_over_time(m[{X}s]))", 1999, 1, 3000},
      {"absent_over_time(m[{X}s])", 1999, 1, 3000},
      {"sum_over_time(a[{X}s])", 1995, 1, 3000},        // windows released between series
      {"count_over_time(b[{X}s:30s])", 1160, 1, 3600},  // 50 series, one point every 10 s
      {"predict_linear(m[{X}s], 60)", 1998, 1, 3000},   // the scalar argument stays counted
      {"holt_winters(m[{X}s], 0.5, 0.5)", 1997, 1, 3000},
      {"quantile_over_time(0.5, m[1s]) + quantile_over_time(0.5, m[{X}s])", 1996, 1, 3000},
      {"sum_over_time(m[1s]) + sum_over_time(m[{X}s])", 1998, 1, 3000},
      {"m[{X}s]", 2000, 1, 3000},
      // Subqueries: their result, then the window over it.
      {"sum_over_time(m[{X}s:1s])", 999, 1, 3000},
      {"sum_over_time(abs(m)[{X}s:1s])", 999, 1, 3000},
      {"max_over_time(sum_over_time(m[10s])[{X}s:1s])", 999, 1, 3000},
      {"rate(a[{X}s:5s])", 1660, 1, 3600},
      // Range queries: X more steps.
      {"abs(m)", 999, 0, 3000, 0, 0, 1, 1},
      {"-m", 2000, 0, 3000, 0, 0, 1, 1},
      {"m * 2", 666, 0, 3000, 0, 0, 1, 1},
      {"m and a", 332, 0, 3000, 0, 0, 1, 1},
      {"sum(a)", 332, 0, 3000, 0, 0, 1, 1},
      {"topk(2, a)", 249, 0, 3000, 0, 0, 1, 1},
      {"timestamp(m)", 1999, 0, 3000, 0, 0, 1, 1},
      {"timestamp(a)", 399, 0, 3000, 0, 0, 1, 1},
      {"1 + 1", 2000, 0, 3000, 0, 0, 1, 1},
      {"vector(time())", 999, 0, 3000, 0, 0, 1, 1},
      {"sum_over_time(m[59s])", 1940, 0, 3000, 600, 600, 1, 1},
      {"sum(sum_over_time(m[59s]))", 999, 0, 3000, 600, 600, 1, 1},
      {"rate(a[30s])", 393, 0, 3000, 600, 600, 1, 1},
      {"count_over_time(b[60s])", 390, 0, 3000, 600, 600, 1, 10},
      {"max_over_time(a[100s])", 758, 0, 3000, 600, 600, 1, 2},
      {"sum_over_time(m[{X}s] @ 1700003600)", 1999, 1, 3000, 0, 10, 0, 1},  // evaluated once
      {"max_over_time(m[100s:10s])", 1800, 0, 3000, 600, 600, 1, 1},
  };
  return kFamilies;
}

inline std::string Substitute(const std::string& tpl, int64_t x) {
  std::string q = tpl;
  const size_t at = q.find("{X}");
  if (at != std::string::npos) q.replace(at, 3, std::to_string(x));
  return q;
}

}  // namespace tsdbd::promql::max_samples_cases
