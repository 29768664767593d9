// Functions over instant vectors and scalars: math, clamping, rounding, time and date,
// sorting, scalar/vector conversion, absent.
#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "lib/promql/engine/eval_error.h"
#include "lib/promql/functions/function_impl.h"
#include "lib/promql/functions/go_calendar.h"
#include "lib/promql/functions/sample_order.h"

namespace tsdbd::promql {

// Defined in label_functions.cc and histogram_functions.cc.
void FuncLabelReplace(std::span<const Vector> args, const Call& call, int64_t ts, Vector& out);
void FuncLabelJoin(std::span<const Vector> args, const Call& call, int64_t ts, Vector& out);
void FuncHistogramQuantile(std::span<const Vector> args, const Call& call, int64_t ts, Vector& out);

Labels DropMetricName(const Labels& l) {
  static const SymbolId kName = SymbolTable::Global().Intern(kMetricName);
  const auto pairs = l.pairs();
  const auto it =
      std::find_if(pairs.begin(), pairs.end(), [](const LabelPair& p) { return p.name == kName; });
  if (it == pairs.end()) return l;
  // Called once per series of a function's or operator's result: one allocation, no sort.
  LabelPair kept[64];
  if (pairs.size() > std::size(kept)) return LabelsBuilder(l).Del(kMetricName).Build();
  const auto rest = std::copy(pairs.begin(), it, kept);
  const auto end = std::copy(it + 1, pairs.end(), rest);
  return Labels::FromSortedPairs(std::span<const LabelPair>(kept, end));
}

double GoMax(double a, double b) {
  if (std::isinf(a) && a > 0) return a;
  if (std::isinf(b) && b > 0) return b;
  if (std::isnan(a) || std::isnan(b)) return NAN;
  if (a == 0 && a == b) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}

double GoMin(double a, double b) {
  if (std::isinf(a) && a < 0) return a;
  if (std::isinf(b) && b < 0) return b;
  if (std::isnan(a) || std::isnan(b)) return NAN;
  if (a == 0 && a == b) return std::signbit(a) ? a : b;
  return a < b ? a : b;
}

namespace {

template <double (*F)(double)>
void Simple(std::span<const Vector> args, const Call&, int64_t, Vector& out) {
  for (const Sample& s : args[0]) out.push_back({DropMetricName(s.metric), 0, F(s.v)});
}

double Abs(double v) {
  return std::fabs(v);
}
double Ceil(double v) {
  return std::ceil(v);
}
double Floor(double v) {
  return std::floor(v);
}
double Exp(double v) {
  return std::exp(v);
}
double Sqrt(double v) {
  return std::sqrt(v);
}
double Ln(double v) {
  return std::log(v);
}
// Go computes log2 from the binary exponent and log10 through the natural logarithm.
double Log2(double v) {
  int e;
  const double frac = std::frexp(v, &e);
  if (frac == 0.5) return static_cast<double>(e - 1);
  return std::log(frac) * 1.44269504088896340735992468100189213742664595415298593 +
         static_cast<double>(e);
}
double Log10(double v) {
  return std::log(v) * 0.43429448190325182765112891891660508229439700580366656;
}
double Sin(double v) {
  return std::sin(v);
}
double Cos(double v) {
  return std::cos(v);
}
double Tan(double v) {
  return std::tan(v);
}
double Asin(double v) {
  return std::asin(v);
}
// Go derives acos from asin.
double Acos(double v) {
  return std::numbers::pi / 2 - std::asin(v);
}
double Atan(double v) {
  return std::atan(v);
}
double Sinh(double v) {
  return std::sinh(v);
}
double Cosh(double v) {
  return std::cosh(v);
}
double Tanh(double v) {
  return std::tanh(v);
}
double Asinh(double v) {
  return std::asinh(v);
}
double Acosh(double v) {
  return std::acosh(v);
}
double Atanh(double v) {
  return std::atanh(v);
}
double Rad(double v) {
  return v * std::numbers::pi / 180;
}
double Deg(double v) {
  return v * 180 / std::numbers::pi;
}
double Sgn(double v) {
  if (v < 0) return -1;
  if (v > 0) return 1;
  return v;
}

void Round(std::span<const Vector> args, const Call&, int64_t, Vector& out) {
  double to_nearest = 1;
  if (args.size() > 1) to_nearest = args[1][0].v;
  const double inv = 1.0 / to_nearest;
  for (const Sample& s : args[0]) {
    out.push_back({DropMetricName(s.metric), 0, std::floor(s.v * inv + 0.5) / inv});
  }
}

void Clamp(std::span<const Vector> args, const Call&, int64_t, Vector& out) {
  const double lo = args[1][0].v, hi = args[2][0].v;
  if (hi < lo) return;
  for (const Sample& s : args[0]) {
    out.push_back({DropMetricName(s.metric), 0, GoMax(lo, GoMin(hi, s.v))});
  }
}
void ClampMax(std::span<const Vector> args, const Call&, int64_t, Vector& out) {
  const double hi = args[1][0].v;
  for (const Sample& s : args[0]) out.push_back({DropMetricName(s.metric), 0, GoMin(hi, s.v)});
}
void ClampMin(std::span<const Vector> args, const Call&, int64_t, Vector& out) {
  const double lo = args[1][0].v;
  for (const Sample& s : args[0]) out.push_back({DropMetricName(s.metric), 0, GoMax(lo, s.v)});
}

void Time(std::span<const Vector>, const Call&, int64_t ts, Vector& out) {
  out.push_back({Labels(), 0, static_cast<double>(ts) / 1000});
}
void Pi(std::span<const Vector>, const Call&, int64_t, Vector& out) {
  out.push_back({Labels(), 0, std::numbers::pi});
}
void VectorFn(std::span<const Vector> args, const Call&, int64_t, Vector& out) {
  out.push_back({Labels(), 0, args[0][0].v});
}
void ScalarFn(std::span<const Vector> args, const Call&, int64_t, Vector& out) {
  out.push_back({Labels(), 0, args[0].size() == 1 ? args[0][0].v : NAN});
}
// The sample timestamps arrive as values (the engine evaluates a selector argument so).
void Timestamp(std::span<const Vector> args, const Call&, int64_t, Vector& out) {
  for (const Sample& s : args[0]) {
    out.push_back({DropMetricName(s.metric), 0, static_cast<double>(s.t) / 1000});
  }
}

// sort and sort_desc: Go's sort.Sort over the reversed bottomk and topk heap orders.
void SortFn(std::span<const Vector> args, const Call&, int64_t, Vector& out) {
  out = args[0];
  GoSort(out, [](const Sample& x, const Sample& y) { return ByReverseValueLess(y, x); });
}
void SortDescFn(std::span<const Vector> args, const Call&, int64_t, Vector& out) {
  out = args[0];
  GoSort(out, [](const Sample& x, const Sample& y) { return ByValueLess(y, x); });
}

// The labels absent() reports: those of equality matchers, except __name__ and names
// matched more than once or by other matcher types.
Labels AbsentLabels(const Expr* e) {
  while (e->kind == ExprKind::kParen) e = static_cast<const ParenExpr*>(e)->expr.get();
  const VectorSelector* vs = nullptr;
  if (e->kind == ExprKind::kVectorSelector) vs = static_cast<const VectorSelector*>(e);
  if (e->kind == ExprKind::kMatrixSelector) {
    vs = static_cast<const MatrixSelector*>(e)->selector.get();
  }
  if (vs == nullptr) return Labels();
  LabelsBuilder b;
  std::vector<std::string> empty;
  for (const Matcher& m : vs->matchers) {
    if (m.name() == kMetricName) continue;
    if (m.type() == Matcher::Type::kEqual && b.Get(m.name()).empty()) {
      b.Set(m.name(), m.value());
    } else {
      empty.push_back(m.name());
    }
  }
  for (const auto& n : empty) b.Del(n);
  return b.Build();
}

void Absent(std::span<const Vector> args, const Call& call, int64_t, Vector& out) {
  if (!args[0].empty()) return;
  out.push_back({AbsentLabels(call.args[0].get()), 0, 1});
}

// Date functions: of the argument's values (Unix seconds), or of the evaluation time, with
// Go's conversion and calendar as Prometheus computes them (see go_calendar.h).
template <double (*F)(const GoCivilTime&)>
void DateFn(std::span<const Vector> args, const Call&, int64_t ts, Vector& out) {
  if (args.empty()) {
    out.push_back({Labels(), 0, F(GoUnixUTC(ts / 1000))});
    return;
  }
  for (const Sample& s : args[0]) {
    out.push_back({DropMetricName(s.metric), 0, F(GoUnixUTC(GoFloatToInt64(s.v)))});
  }
}
double DayOfMonth(const GoCivilTime& t) {
  return t.day;
}
double DayOfWeek(const GoCivilTime& t) {
  return t.weekday;
}
double DayOfYear(const GoCivilTime& t) {
  return t.year_day;
}
double Hour(const GoCivilTime& t) {
  return t.hour;
}
double Minute(const GoCivilTime& t) {
  return t.minute;
}
double Month(const GoCivilTime& t) {
  return t.month;
}
double Year(const GoCivilTime& t) {
  return static_cast<double>(t.year);
}
double DaysInMonth(const GoCivilTime& t) {
  return t.days_in_month;
}

// Native-histogram functions: float samples have no histogram, so nothing comes out.
void NoOutput(std::span<const Vector>, const Call&, int64_t, Vector&) {}

}  // namespace

VectorFunction LookupVectorFunction(std::string_view name) {
  struct Entry {
    std::string_view name;
    VectorFunction fn;
  };
  static const Entry kTable[] = {
      {"abs", Simple<Abs>},
      {"ceil", Simple<Ceil>},
      {"floor", Simple<Floor>},
      {"exp", Simple<Exp>},
      {"sqrt", Simple<Sqrt>},
      {"ln", Simple<Ln>},
      {"log2", Simple<Log2>},
      {"log10", Simple<Log10>},
      {"sin", Simple<Sin>},
      {"cos", Simple<Cos>},
      {"tan", Simple<Tan>},
      {"asin", Simple<Asin>},
      {"acos", Simple<Acos>},
      {"atan", Simple<Atan>},
      {"sinh", Simple<Sinh>},
      {"cosh", Simple<Cosh>},
      {"tanh", Simple<Tanh>},
      {"asinh", Simple<Asinh>},
      {"acosh", Simple<Acosh>},
      {"atanh", Simple<Atanh>},
      {"rad", Simple<Rad>},
      {"deg", Simple<Deg>},
      {"sgn", Simple<Sgn>},
      {"round", Round},
      {"clamp", Clamp},
      {"clamp_max", ClampMax},
      {"clamp_min", ClampMin},
      {"time", Time},
      {"pi", Pi},
      {"vector", VectorFn},
      {"scalar", ScalarFn},
      {"timestamp", Timestamp},
      {"sort", SortFn},
      {"sort_desc", SortDescFn},
      {"absent", Absent},
      {"day_of_month", DateFn<DayOfMonth>},
      {"day_of_week", DateFn<DayOfWeek>},
      {"day_of_year", DateFn<DayOfYear>},
      {"days_in_month", DateFn<DaysInMonth>},
      {"hour", DateFn<Hour>},
      {"minute", DateFn<Minute>},
      {"month", DateFn<Month>},
      {"year", DateFn<Year>},
      {"label_replace", FuncLabelReplace},
      {"label_join", FuncLabelJoin},
      {"histogram_quantile", FuncHistogramQuantile},
      {"histogram_count", NoOutput},
      {"histogram_sum", NoOutput},
      {"histogram_fraction", NoOutput},
  };
  for (const Entry& e : kTable) {
    if (e.name == name) return e.fn;
  }
  return nullptr;
}

}  // namespace tsdbd::promql
