// Functions over range vectors: rate and friends, the *_over_time family, deriv,
// predict_linear, holt_winters, changes, resets.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "lib/promql/engine/eval_error.h"
#include "lib/promql/functions/function_impl.h"

namespace tsdbd::promql {
namespace {

// Neumaier-compensated summation step: returns the new sum, updates the compensation.
inline double KahanAdd(double inc, double sum, double& c) {
  const double t = sum + inc;
  if (std::fabs(sum) >= std::fabs(inc)) {
    c += (sum - t) + inc;
  } else {
    c += (inc - t) + sum;
  }
  return t;
}

// rate/increase/delta: the difference over the window, extrapolated towards the window's
// bounds (up to half an average sample interval beyond the samples, or all the way when
// the first/last sample is within 1.1 average intervals of the bound), counters corrected
// for resets and never extrapolated below zero.
bool ExtrapolatedRate(const RangeWindow& w, double* out, bool is_counter, bool is_rate) {
  const auto& p = w.points;
  if (p.size() < 2) return false;
  double result = p.back().v - p.front().v;
  if (is_counter && w.has_decrease) {
    double prev = p.front().v;
    for (size_t i = 1; i < p.size(); ++i) {
      if (p[i].v < prev) result += prev;
      prev = p[i].v;
    }
  }
  double to_start = static_cast<double>(p.front().t - w.range_start) / 1000;
  const double to_end = static_cast<double>(w.range_end - p.back().t) / 1000;
  const double sampled = static_cast<double>(p.back().t - p.front().t) / 1000;
  const double avg = sampled / static_cast<double>(p.size() - 1);
  if (is_counter && result > 0 && p.front().v >= 0) {
    const double to_zero = sampled * (p.front().v / result);
    if (to_zero < to_start) to_start = to_zero;
  }
  const double threshold = avg * 1.1;
  double interval = sampled;
  interval += to_start < threshold ? to_start : avg / 2;
  interval += to_end < threshold ? to_end : avg / 2;
  double factor = interval / sampled;
  if (is_rate) factor /= static_cast<double>(w.range_ms) / 1000;
  *out = result * factor;
  return true;
}

bool Rate(const RangeWindow& w, double* out) {
  return ExtrapolatedRate(w, out, true, true);
}
bool Increase(const RangeWindow& w, double* out) {
  return ExtrapolatedRate(w, out, true, false);
}
bool Delta(const RangeWindow& w, double* out) {
  return ExtrapolatedRate(w, out, false, false);
}

bool InstantValue(const RangeWindow& w, double* out, bool is_rate) {
  const auto& p = w.points;
  if (p.size() < 2) return false;
  const Point& last = p[p.size() - 1];
  const Point& prev = p[p.size() - 2];
  double v = (is_rate && last.v < prev.v) ? last.v : last.v - prev.v;
  const int64_t dt = last.t - prev.t;
  if (dt == 0) return false;
  if (is_rate) v /= static_cast<double>(dt) / 1000;
  *out = v;
  return true;
}
bool Irate(const RangeWindow& w, double* out) {
  return InstantValue(w, out, true);
}
bool Idelta(const RangeWindow& w, double* out) {
  return InstantValue(w, out, false);
}

// Least squares fit of the points with x in seconds relative to intercept_t.
void LinearRegression(std::span<const Point> p, int64_t intercept_t, double* slope,
                      double* intercept) {
  double n = 0, sx = 0, cx = 0, sy = 0, cy = 0, sxy = 0, cxy = 0, sx2 = 0, cx2 = 0;
  const double init_y = p[0].v;
  bool const_y = true;
  for (size_t i = 0; i < p.size(); ++i) {
    if (const_y && i > 0 && p[i].v != init_y) const_y = false;
    n += 1;
    const double x = static_cast<double>(p[i].t - intercept_t) / 1e3;
    sx = KahanAdd(x, sx, cx);
    sy = KahanAdd(p[i].v, sy, cy);
    sxy = KahanAdd(x * p[i].v, sxy, cxy);
    sx2 = KahanAdd(x * x, sx2, cx2);
  }
  if (const_y) {
    if (std::isinf(init_y)) {
      *slope = NAN;
      *intercept = NAN;
    } else {
      *slope = 0;
      *intercept = init_y;
    }
    return;
  }
  sx += cx;
  sy += cy;
  sxy += cxy;
  sx2 += cx2;
  const double cov = sxy - sx * sy / n;
  const double var = sx2 - sx * sx / n;
  *slope = cov / var;
  *intercept = sy / n - *slope * sx / n;
}

bool Deriv(const RangeWindow& w, double* out) {
  if (w.points.size() < 2) return false;
  double slope, intercept;
  LinearRegression(w.points, w.points[0].t, &slope, &intercept);
  *out = slope;
  return true;
}

bool PredictLinear(const RangeWindow& w, double* out) {
  if (w.points.size() < 2) return false;
  double slope, intercept;
  LinearRegression(w.points, w.eval_ts, &slope, &intercept);
  *out = slope * w.params[0] + intercept;
  return true;
}

std::string GoF6(double v) {
  char buf[64];
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  std::snprintf(buf, sizeof buf, "%f", v);
  return buf;
}

bool HoltWinters(const RangeWindow& w, double* out) {
  const double sf = w.params[0], tf = w.params[1];
  if (!(sf > 0 && sf < 1)) {
    ThrowExecution("invalid smoothing factor. Expected: 0 < sf < 1, got: " + GoF6(sf));
  }
  if (!(tf > 0 && tf < 1)) {
    ThrowExecution("invalid trend factor. Expected: 0 < tf < 1, got: " + GoF6(tf));
  }
  const auto& p = w.points;
  if (p.size() < 2) return false;
  double s0 = 0, s1 = p[0].v, b = p[1].v - p[0].v;
  for (size_t i = 1; i < p.size(); ++i) {
    const double x = sf * p[i].v;
    if (i > 1) b = tf * (s1 - s0) + (1 - tf) * b;
    const double y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  *out = s1;
  return true;
}

bool AvgOverTime(const RangeWindow& w, double* out) {
  double mean = 0, count = 0, c = 0;
  for (const Point& p : w.points) {
    count++;
    if (std::isinf(mean)) {
      if (std::isinf(p.v) && (mean > 0) == (p.v > 0)) continue;
      if (!std::isinf(p.v) && !std::isnan(p.v)) continue;
    }
    mean = KahanAdd(p.v / count - mean / count, mean, c);
  }
  *out = std::isinf(mean) ? mean : mean + c;
  return true;
}

bool SumOverTime(const RangeWindow& w, double* out) {
  double sum = 0, c = 0;
  for (const Point& p : w.points) sum = KahanAdd(p.v, sum, c);
  *out = std::isinf(sum) ? sum : sum + c;
  return true;
}

bool CountOverTime(const RangeWindow& w, double* out) {
  *out = static_cast<double>(w.points.size());
  return true;
}

bool MaxOverTime(const RangeWindow& w, double* out) {
  double m = w.points[0].v;
  for (const Point& p : w.points) {
    if (p.v > m || std::isnan(m)) m = p.v;
  }
  *out = m;
  return true;
}

bool MinOverTime(const RangeWindow& w, double* out) {
  double m = w.points[0].v;
  for (const Point& p : w.points) {
    if (p.v < m || std::isnan(m)) m = p.v;
  }
  *out = m;
  return true;
}

double StdVar(std::span<const Point> pts) {
  double count = 0, mean = 0, cmean = 0, aux = 0, caux = 0;
  for (const Point& p : pts) {
    count++;
    const double delta = p.v - (mean + cmean);
    mean = KahanAdd(delta / count, mean, cmean);
    aux = KahanAdd(delta * (p.v - (mean + cmean)), aux, caux);
  }
  return (aux + caux) / count;
}

bool StdvarOverTime(const RangeWindow& w, double* out) {
  *out = StdVar(w.points);
  return true;
}
bool StddevOverTime(const RangeWindow& w, double* out) {
  *out = std::sqrt(StdVar(w.points));
  return true;
}

bool QuantileOverTime(const RangeWindow& w, double* out) {
  std::vector<double> values;
  values.reserve(w.points.size());
  for (const Point& p : w.points) values.push_back(p.v);
  *out = Quantile(w.params[0], values);
  return true;
}

bool LastOverTime(const RangeWindow& w, double* out) {
  *out = w.points.back().v;
  return true;
}

bool One(const RangeWindow&, double* out) {
  *out = 1;
  return true;
}

bool Changes(const RangeWindow& w, double* out) {
  int n = 0;
  double prev = w.points[0].v;
  for (size_t i = 1; i < w.points.size(); ++i) {
    const double cur = w.points[i].v;
    if (cur != prev && !(std::isnan(cur) && std::isnan(prev))) n++;
    prev = cur;
  }
  *out = n;
  return true;
}

bool Resets(const RangeWindow& w, double* out) {
  int n = 0;
  double prev = w.points[0].v;
  for (size_t i = 1; i < w.points.size(); ++i) {
    if (w.points[i].v < prev) n++;
    prev = w.points[i].v;
  }
  *out = n;
  return true;
}

}  // namespace

double Quantile(double q, std::vector<double>& values) {
  if (values.empty()) return NAN;
  if (q < 0) return -INFINITY;
  if (q > 1) return INFINITY;
  if (std::isnan(q)) return NAN;
  std::sort(values.begin(), values.end(), [](double a, double b) {
    if (std::isnan(a)) return !std::isnan(b);
    return a < b;
  });
  const double n = static_cast<double>(values.size());
  const double rank = q * (n - 1);
  const double lower = std::max(0.0, std::floor(rank));
  const double upper = std::min(n - 1, lower + 1);
  const double weight = rank - std::floor(rank);
  return values[static_cast<size_t>(lower)] * (1 - weight) +
         values[static_cast<size_t>(upper)] * weight;
}

RangeFunction LookupRangeFunction(std::string_view name) {
  struct Entry {
    std::string_view name;
    RangeFunction fn;
  };
  static const Entry kTable[] = {
      {"rate", Rate},
      {"increase", Increase},
      {"delta", Delta},
      {"irate", Irate},
      {"idelta", Idelta},
      {"deriv", Deriv},
      {"predict_linear", PredictLinear},
      {"holt_winters", HoltWinters},
      {"avg_over_time", AvgOverTime},
      {"sum_over_time", SumOverTime},
      {"count_over_time", CountOverTime},
      {"max_over_time", MaxOverTime},
      {"min_over_time", MinOverTime},
      {"stddev_over_time", StddevOverTime},
      {"stdvar_over_time", StdvarOverTime},
      {"quantile_over_time", QuantileOverTime},
      {"last_over_time", LastOverTime},
      {"present_over_time", One},
      {"absent_over_time", One},
      {"changes", Changes},
      {"resets", Resets},
  };
  for (const Entry& e : kTable) {
    if (e.name == name) return e.fn;
  }
  return nullptr;
}

}  // namespace tsdbd::promql
