// Aggregation operators: sum, avg, count, min, max, group, stddev, stdvar, topk, bottomk,
// count_values, quantile; by and without.
#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "lib/model/names.h"
#include "lib/model/value_format.h"
#include "lib/promql/engine/evaluator.h"
#include "lib/promql/functions/function_impl.h"
#include "lib/promql/functions/sample_order.h"

namespace tsdbd::promql {
namespace {

struct Group {
  Labels labels;
  double value = 0;
  double mean = 0;
  int64_t count = 0;
  std::vector<Sample> heap;    // topk/bottomk
  std::vector<double> values;  // quantile
};

// A binary heap with the same sift rules as Go's container/heap, so that ties leave
// topk/bottomk in the order Prometheus leaves them. less(a, b): a belongs nearer the root.
template <typename Less>
class Heap {
 public:
  Heap(std::vector<Sample>& v, Less less) : v_(v), less_(less) {}
  void Push(Sample s) {
    v_.push_back(std::move(s));
    Up(v_.size() - 1);
  }
  // Offers one more sample to a heap of at most k, in Prometheus 2.42's steps: below k it
  // is pushed; at k it goes in when it beats the root or the root is NaN (even for a NaN
  // sample), replacing the root in place when k is 1 and otherwise by popping the root as
  // container/heap's Pop does (the last element takes its place and sinks) and pushing the
  // sample. The steps decide which of equal values stay, and their order.
  void Offer(const Sample& s, int64_t k, bool beats_root) {
    if (static_cast<int64_t>(v_.size()) < k) {
      Push(s);
      return;
    }
    if (!beats_root && !std::isnan(v_[0].v)) return;
    if (k == 1) {
      v_[0] = s;
      return;
    }
    std::swap(v_.front(), v_.back());
    Down(0, v_.size() - 1);
    v_.pop_back();
    Push(s);
  }

 private:
  void Up(size_t j) {
    while (j > 0) {
      const size_t i = (j - 1) / 2;
      if (!less_(v_[j], v_[i])) break;
      std::swap(v_[i], v_[j]);
      j = i;
    }
  }
  bool Down(size_t i0, size_t n) {
    size_t i = i0;
    for (;;) {
      const size_t j1 = 2 * i + 1;
      if (j1 >= n) break;
      size_t j = j1;
      if (j1 + 1 < n && less_(v_[j1 + 1], v_[j1])) j = j1 + 1;
      if (!less_(v_[j], v_[i])) break;
      std::swap(v_[i], v_[j]);
      i = j;
    }
    return i > i0;
  }
  std::vector<Sample>& v_;
  Less less_;
};

// Go's %v for a float64.
std::string GoV(double v) {
  if (std::isnan(v) || std::isinf(v)) return FormatFloatF(v);
  std::string e = FormatFloatE(v);
  const int exp = std::stoi(e.substr(e.find('e') + 1));
  return (exp < -4 || exp >= 21) ? e : FormatFloatF(v);
}

}  // namespace

Matrix Evaluator::EvalAggregate(const AggregateExpr& a) {
  std::vector<std::string> grouping = a.grouping;
  std::sort(grouping.begin(), grouping.end());
  const AggregateOp op = a.op;
  const bool without = a.without;
  std::string value_label;
  const Expr* param = a.param ? Unparen(a.param.get()) : nullptr;
  if (op == AggregateOp::kCountValues) {
    value_label = static_cast<const StringLiteral*>(param)->value;
    param = nullptr;
  }
  // Groups have dense ids: every input series' group is found once, before the steps
  // (count_values's groups depend on the value, so its ids are found at each step).
  std::unordered_map<uint64_t, uint32_t> group_ids;
  std::vector<uint32_t> series_group;
  auto group_id = [&](uint64_t key) {
    return group_ids.emplace(key, static_cast<uint32_t>(group_ids.size())).first->second;
  };
  auto key_of = [&](const Labels& l) {
    return without ? l.HashWithoutLabels(grouping) : l.HashForLabels(grouping);
  };
  std::vector<std::string> cv_grouping = grouping;
  if (op == AggregateOp::kCountValues && !without) {
    cv_grouping.push_back(value_label);
    std::sort(cv_grouping.begin(), cv_grouping.end());
  }
  auto group_labels = [&](const Labels& l, const std::vector<std::string>& g) {
    LabelsBuilder b(l);
    if (without) {
      for (const auto& n : g) b.Del(n);
      b.Del(kMetricName);
    } else {
      for (Label x : l) {
        if (!std::binary_search(g.begin(), g.end(), std::string(x.name))) b.Del(x.name);
      }
    }
    return b.Build();
  };
  const Expr* args[2] = {param, a.expr.get()};
  std::vector<Group> groups;         // this step's, in order of first appearance
  std::vector<uint32_t> step_group;  // by group id: index in `groups` + 1, or 0
  std::vector<uint32_t> used;        // the group ids of `groups`
  return RangeEval(
      args,
      [&](std::span<StepArg> sa, int64_t, Vector& out) {
        const Vector& vec = sa[1].samples;
        double p = 0;
        if (param != nullptr) p = sa[0].samples[0].v;
        if (op == AggregateOp::kCountValues && !IsValidLabelName(value_label)) {
          ThrowExecution("invalid label name \"" + value_label + "\"");
        }
        int64_t k = 0;
        if (op == AggregateOp::kTopK || op == AggregateOp::kBottomK) {
          if (!(p >= -9.223372036854775e18 && p <= 9.223372036854775e18)) {
            ThrowExecution("Scalar value " + GoV(p) + " overflows int64");
          }
          k = static_cast<int64_t>(p);
          if (k < 1) return;
        }
        groups.clear();
        for (uint32_t id : used) step_group[id] = 0;
        used.clear();
        for (size_t i = 0; i < vec.size(); ++i) {
          const Sample& s = vec[i];
          uint32_t id;
          Labels cv_metric;
          if (op == AggregateOp::kCountValues) {
            cv_metric = LabelsBuilder(s.metric).Set(value_label, FormatFloatF(s.v)).Build();
            id = group_id(without ? cv_metric.HashWithoutLabels(grouping)
                                  : cv_metric.HashForLabels(cv_grouping));
            if (id >= step_group.size()) step_group.resize(id + 1, 0);
          } else {
            id = series_group[sa[1].series[i]];
          }
          if (step_group[id] == 0) {
            step_group[id] = static_cast<uint32_t>(groups.size()) + 1;
            used.push_back(id);
            Group g;
            if (op == AggregateOp::kCountValues) {
              g.labels = group_labels(cv_metric, without ? grouping : cv_grouping);
            } else if (op != AggregateOp::kTopK && op != AggregateOp::kBottomK) {
              g.labels = group_labels(s.metric, grouping);
            }
            g.value = s.v;
            g.mean = s.v;
            g.count = 1;
            switch (op) {
              case AggregateOp::kStddev:
              case AggregateOp::kStdvar:
                g.value = 0;
                break;
              case AggregateOp::kTopK:
              case AggregateOp::kBottomK:
                g.heap.push_back(s);
                break;
              case AggregateOp::kQuantile:
                g.values.push_back(s.v);
                break;
              default:
                break;
            }
            groups.push_back(std::move(g));
            continue;
          }
          Group& g = groups[step_group[id] - 1];
          switch (op) {
            case AggregateOp::kSum:
              g.value += s.v;
              break;
            case AggregateOp::kAvg:
              g.count++;
              if (std::isinf(g.mean)) {
                if (std::isinf(s.v) && (g.mean > 0) == (s.v > 0)) break;
                if (!std::isinf(s.v) && !std::isnan(s.v)) break;
              }
              g.mean += s.v / static_cast<double>(g.count) - g.mean / static_cast<double>(g.count);
              break;
            case AggregateOp::kGroup:
              break;
            case AggregateOp::kCount:
            case AggregateOp::kCountValues:
              g.count++;
              break;
            case AggregateOp::kMax:
              if (g.value < s.v || std::isnan(g.value)) g.value = s.v;
              break;
            case AggregateOp::kMin:
              if (g.value > s.v || std::isnan(g.value)) g.value = s.v;
              break;
            case AggregateOp::kStddev:
            case AggregateOp::kStdvar: {
              g.count++;
              const double delta = s.v - g.mean;
              g.mean += delta / static_cast<double>(g.count);
              g.value += delta * (s.v - g.mean);
              break;
            }
            case AggregateOp::kTopK:
              Heap(g.heap, ByValueLess).Offer(s, k, g.heap[0].v < s.v);
              break;
            case AggregateOp::kBottomK:
              Heap(g.heap, ByReverseValueLess).Offer(s, k, g.heap[0].v > s.v);
              break;
            case AggregateOp::kQuantile:
              g.values.push_back(s.v);
              break;
          }
        }
        for (Group& g : groups) {
          double v = g.value;
          switch (op) {
            case AggregateOp::kAvg:
              v = g.mean;
              break;
            case AggregateOp::kCount:
            case AggregateOp::kCountValues:
              v = static_cast<double>(g.count);
              break;
            case AggregateOp::kGroup:
              v = 1;
              break;
            case AggregateOp::kStdvar:
              v = g.value / static_cast<double>(g.count);
              break;
            case AggregateOp::kStddev:
              v = std::sqrt(g.value / static_cast<double>(g.count));
              break;
            case AggregateOp::kQuantile:
              v = Quantile(p, g.values);
              break;
            case AggregateOp::kTopK:
              // Reverse of the heap order: largest first.
              GoSort(g.heap, [](const Sample& x, const Sample& y) { return ByValueLess(y, x); });
              for (Sample& s : g.heap) out.push_back({std::move(s.metric), 0, s.v});
              continue;
            case AggregateOp::kBottomK:
              GoSort(g.heap,
                     [](const Sample& x, const Sample& y) { return ByReverseValueLess(y, x); });
              for (Sample& s : g.heap) out.push_back({std::move(s.metric), 0, s.v});
              continue;
            default:
              break;
          }
          out.push_back({std::move(g.labels), 0, v});
        }
      },
      [&](size_t i, const Matrix& m) {
        if (i != 1 || op == AggregateOp::kCountValues) return;
        series_group.resize(m.size());
        for (size_t j = 0; j < m.size(); ++j) series_group[j] = group_id(key_of(m[j].metric));
        step_group.assign(group_ids.size(), 0);
      });
}

}  // namespace tsdbd::promql
