// Binary operators: scalar/scalar, vector/scalar and vector/vector with one-to-one,
// many-to-one and one-to-many matching, and the set operators.
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "lib/promql/engine/evaluator.h"
#include "lib/promql/functions/function_impl.h"

namespace tsdbd::promql {

namespace {

// x^y as Go's math.Pow computes it: square roots for ±0.5, otherwise the integer part of
// the exponent by repeated squaring of the mantissa (exact up to one rounding per step,
// so x^2 is x*x) and the fractional part through exp and log.
double GoPow(double x, double y) {
  if (y == 0 || x == 1) return 1;
  if (y == 1) return x;
  if (std::isnan(x) || std::isnan(y) || x == 0 || std::isinf(x) || std::isinf(y)) {
    return std::pow(x, y);
  }
  if (y == 0.5) return std::sqrt(x);
  if (y == -0.5) return 1 / std::sqrt(x);
  double yi;
  double yf = std::modf(std::fabs(y), &yi);
  if (yf != 0 && x < 0) return NAN;
  if (yi >= 9.223372036854775807e18) {
    if (x == -1) return 1;
    if ((std::fabs(x) < 1) == (y > 0)) return 0;
    return INFINITY;
  }
  double a1 = 1;
  int64_t ae = 0;
  if (yf != 0) {
    if (yf > 0.5) {
      yf--;
      yi++;
    }
    a1 = std::exp(yf * std::log(x));
  }
  int xe_int;
  double x1 = std::frexp(x, &xe_int);
  int64_t xe = xe_int;
  for (int64_t i = static_cast<int64_t>(yi); i != 0; i >>= 1) {
    if (xe < -(1 << 12) || (1 << 12) < xe) {
      ae += xe;
      break;
    }
    if ((i & 1) == 1) {
      a1 *= x1;
      ae += xe;
    }
    x1 *= x1;
    xe <<= 1;
    if (x1 < .5) {
      x1 += x1;
      xe--;
    }
  }
  if (y < 0) {
    a1 = 1 / a1;
    ae = -ae;
  }
  if (ae > 1 << 20) ae = 1 << 20;
  if (ae < -(1 << 20)) ae = -(1 << 20);
  return std::ldexp(a1, static_cast<int>(ae));
}

double Arith(BinaryOp op, double l, double r) {
  switch (op) {
    case BinaryOp::kAdd:
      return l + r;
    case BinaryOp::kSub:
      return l - r;
    case BinaryOp::kMul:
      return l * r;
    case BinaryOp::kDiv:
      return l / r;
    case BinaryOp::kPow:
      return GoPow(l, r);
    case BinaryOp::kMod:
      return std::fmod(l, r);
    case BinaryOp::kAtan2:
      return std::atan2(l, r);
    default:
      return NAN;
  }
}

bool Compare(BinaryOp op, double l, double r) {
  switch (op) {
    case BinaryOp::kEql:
      return l == r;
    case BinaryOp::kNeq:
      return l != r;
    case BinaryOp::kGtr:
      return l > r;
    case BinaryOp::kLss:
      return l < r;
    case BinaryOp::kGte:
      return l >= r;
    case BinaryOp::kLte:
      return l <= r;
    default:
      return false;
  }
}

bool DropsMetricName(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
    case BinaryOp::kSub:
    case BinaryOp::kMul:
    case BinaryOp::kDiv:
    case BinaryOp::kPow:
    case BinaryOp::kMod:
      return true;
    default:
      return false;
  }
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// The labels a match group is known by in error messages.
Labels MatchLabels(const Labels& l, const VectorMatching& m) {
  LabelsBuilder b(l);
  if (m.on) {
    for (Label x : l) {
      if (std::find(m.matching_labels.begin(), m.matching_labels.end(), x.name) ==
          m.matching_labels.end()) {
        b.Del(x.name);
      }
    }
  } else {
    b.Del(kMetricName);
    for (const auto& n : m.matching_labels) b.Del(n);
  }
  return b.Build();
}

}  // namespace

double ScalarBinop(BinaryOp op, double l, double r) {
  if (IsComparison(op)) return Compare(op, l, r) ? 1 : 0;
  return Arith(op, l, r);
}

bool VectorElemBinop(BinaryOp op, double l, double r, double* out) {
  if (IsComparison(op)) {
    *out = l;
    return Compare(op, l, r);
  }
  *out = Arith(op, l, r);
  return true;
}

Matrix Evaluator::EvalBinary(const BinaryExpr& b) {
  const ValueType lt = b.lhs->Type(), rt = b.rhs->Type();
  const Expr* args[2] = {b.lhs.get(), b.rhs.get()};
  const BinaryOp op = b.op;
  if (lt == ValueType::kScalar && rt == ValueType::kScalar) {
    return RangeEval(args, [op](std::span<StepArg> a, int64_t, Vector& out) {
      out.push_back({Labels(), 0, ScalarBinop(op, a[0].samples[0].v, a[1].samples[0].v)});
    });
  }
  if (lt != ValueType::kVector || rt != ValueType::kVector) {
    const bool swap = lt == ValueType::kScalar;  // the vector is on the right
    const bool ret_bool = b.return_bool;
    return RangeEval(args, [&](std::span<StepArg> a, int64_t, Vector& out) {
      const Vector& vec = a[swap ? 1 : 0].samples;
      const double scalar = a[swap ? 0 : 1].samples[0].v;
      for (const Sample& s : vec) {
        double l = s.v, r = scalar;
        if (swap) std::swap(l, r);
        double v;
        bool keep = VectorElemBinop(op, l, r, &v);
        if (IsComparison(op) && swap) v = r;
        if (ret_bool) {
          v = keep ? 1 : 0;
          keep = true;
        }
        if (!keep) continue;
        out.push_back(
            {DropsMetricName(op) || ret_bool ? DropMetricName(s.metric) : s.metric, 0, v});
      }
    });
  }

  // Vector/vector: the matching signature of every input series, computed once.
  const VectorMatching& m = *b.matching;
  const std::vector<std::string> names = Sorted(m.matching_labels);
  auto signature = [&](const Labels& l) {
    return m.on ? l.HashForLabels(names) : l.HashWithoutLabels(names);
  };
  std::vector<uint64_t> sigs[2];
  auto init = [&](size_t i, const Matrix& mat) {
    sigs[i].resize(mat.size());
    for (size_t j = 0; j < mat.size(); ++j) sigs[i][j] = signature(mat[j].metric);
  };

  if (IsSetOperator(op)) {
    std::unordered_set<uint64_t> set;
    return RangeEval(
        args,
        [&](std::span<StepArg> a, int64_t, Vector& out) {
          const StepArg& l = a[0];
          const StepArg& r = a[1];
          set.clear();
          switch (op) {
            case BinaryOp::kAnd:
              if (l.samples.empty() || r.samples.empty()) return;
              for (uint32_t i : r.series) set.insert(sigs[1][i]);
              for (size_t i = 0; i < l.samples.size(); ++i) {
                if (set.count(sigs[0][l.series[i]])) out.push_back(l.samples[i]);
              }
              return;
            case BinaryOp::kOr:
              for (size_t i = 0; i < l.samples.size(); ++i) {
                set.insert(sigs[0][l.series[i]]);
                out.push_back(l.samples[i]);
              }
              for (size_t i = 0; i < r.samples.size(); ++i) {
                if (!set.count(sigs[1][r.series[i]])) out.push_back(r.samples[i]);
              }
              return;
            default:  // unless
              for (uint32_t i : r.series) set.insert(sigs[1][i]);
              for (size_t i = 0; i < l.samples.size(); ++i) {
                if (!set.count(sigs[0][l.series[i]])) out.push_back(l.samples[i]);
              }
              return;
          }
        },
        init);
  }

  const bool ret_bool = b.return_bool;
  const bool one_to_many = m.card == Cardinality::kOneToMany;
  struct Right {
    const Sample* s;
  };
  std::unordered_map<uint64_t, const Sample*> right;
  std::unordered_map<uint64_t, std::unordered_set<uint64_t>> matched;
  return RangeEval(
      args,
      [&](std::span<StepArg> a, int64_t, Vector& out) {
        // "many" side first, "one" side second.
        const StepArg& many = a[one_to_many ? 1 : 0];
        const StepArg& one = a[one_to_many ? 0 : 1];
        const std::vector<uint64_t>& many_sigs = sigs[one_to_many ? 1 : 0];
        const std::vector<uint64_t>& one_sigs = sigs[one_to_many ? 0 : 1];
        right.clear();
        matched.clear();
        for (size_t i = 0; i < one.samples.size(); ++i) {
          const Sample& rs = one.samples[i];
          auto [it, inserted] = right.emplace(one_sigs[one.series[i]], &rs);
          if (!inserted) {
            ThrowExecution("found duplicate series for the match group " +
                           MatchLabels(rs.metric, m).ToString() + " on the " +
                           (one_to_many ? "left" : "right") + " hand-side of the operation: [" +
                           rs.metric.ToString() + ", " + it->second->metric.ToString() +
                           "];many-to-many matching not allowed: matching labels must be "
                           "unique on one side");
          }
        }
        for (size_t i = 0; i < many.samples.size(); ++i) {
          const Sample& ls = many.samples[i];
          const uint64_t sig = many_sigs[many.series[i]];
          auto it = right.find(sig);
          if (it == right.end()) continue;
          const Sample& rs = *it->second;
          double vl = ls.v, vr = rs.v;
          if (one_to_many) std::swap(vl, vr);
          double v;
          bool keep = VectorElemBinop(op, vl, vr, &v);
          if (ret_bool) {
            v = keep ? 1 : 0;
          } else if (!keep) {
            continue;
          }
          LabelsBuilder lb(ls.metric);
          if (DropsMetricName(op) || ret_bool) lb.Del(kMetricName);
          if (m.card == Cardinality::kOneToOne) {
            if (m.on) {
              for (Label x : ls.metric) {
                if (std::find(m.matching_labels.begin(), m.matching_labels.end(), x.name) ==
                    m.matching_labels.end()) {
                  lb.Del(x.name);
                }
              }
            } else {
              for (const auto& n : m.matching_labels) lb.Del(n);
            }
          }
          for (const auto& n : m.include_labels) lb.Set(n, rs.metric.Get(n));
          Labels metric = lb.Build();
          auto [mit, first] = matched.try_emplace(sig);
          if (m.card == Cardinality::kOneToOne) {
            if (!first) {
              ThrowExecution(
                  "multiple matches for labels: many-to-one matching must be explicit "
                  "(group_left/group_right)");
            }
          } else if (!mit->second.insert(metric.Hash()).second) {
            ThrowExecution(
                "multiple matches for matching labels: grouping labels must ensure unique "
                "results");
          }
          out.push_back({std::move(metric), 0, v});
        }
      },
      init);
}

}  // namespace tsdbd::promql
