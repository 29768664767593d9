// histogram_quantile over classic (le-bucketed) histograms.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>
#include <unordered_map>

#include "lib/promql/functions/function_impl.h"

namespace tsdbd::promql {
namespace {

struct Bucket {
  double upper;
  double count;
};

// Go's strconv.ParseFloat for the le label: the whole string must be a number.
bool ParseBound(std::string_view s, double* out) {
  if (s.empty() || s[0] == ' ' || s[0] == '\t' || s[0] == '\n') return false;
  std::string str(s);
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(str.c_str(), &end);
  if (end != str.c_str() + str.size()) return false;
  *out = v;
  return true;
}

double BucketQuantile(double q, std::vector<Bucket>& b) {
  if (std::isnan(q)) return NAN;
  if (q < 0) return -INFINITY;
  if (q > 1) return INFINITY;
  std::stable_sort(b.begin(), b.end(),
                   [](const Bucket& x, const Bucket& y) { return x.upper < y.upper; });
  if (!(std::isinf(b.back().upper) && b.back().upper > 0)) return NAN;
  // Merge buckets with the same bound.
  std::vector<Bucket> m;
  for (const Bucket& x : b) {
    if (!m.empty() && m.back().upper == x.upper) {
      m.back().count += x.count;
    } else {
      m.push_back(x);
    }
  }
  // Counts must not decrease with the bound.
  double max = -INFINITY;
  for (Bucket& x : m) {
    if (x.count > max) {
      max = x.count;
    } else if (x.count < max) {
      x.count = max;
    }
  }
  if (m.size() < 2) return NAN;
  const double observations = m.back().count;
  if (observations == 0) return NAN;
  double rank = q * observations;
  size_t i = 0;
  while (i < m.size() - 1 && !(m[i].count >= rank)) ++i;
  if (i == m.size() - 1) return m[m.size() - 2].upper;
  if (i == 0 && m[0].upper <= 0) return m[0].upper;
  double start = 0;
  const double end = m[i].upper;
  double count = m[i].count;
  if (i > 0) {
    start = m[i - 1].upper;
    count -= m[i - 1].count;
    rank -= m[i - 1].count;
  }
  return start + (end - start) * (rank / count);
}

}  // namespace

void FuncHistogramQuantile(std::span<const Vector> args, const Call&, int64_t, Vector& out) {
  const double q = args[0][0].v;
  struct Group {
    Labels metric;
    std::vector<Bucket> buckets;
  };
  std::vector<Group> groups;
  std::unordered_map<uint64_t, size_t> index;
  static const std::vector<std::string> kLe = {"le"};
  for (const Sample& s : args[1]) {
    double upper;
    if (!ParseBound(s.metric.Get("le"), &upper)) continue;
    LabelsBuilder b(s.metric);
    b.Del("le");
    const Labels without_le = b.Build();
    auto [it, inserted] = index.emplace(without_le.Hash(), groups.size());
    if (inserted) groups.push_back({DropMetricName(without_le), {}});
    groups[it->second].buckets.push_back({upper, s.v});
  }
  for (Group& g : groups) out.push_back({g.metric, 0, BucketQuantile(q, g.buckets)});
}

}  // namespace tsdbd::promql
