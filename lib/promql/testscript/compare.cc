#include "lib/promql/testscript/compare.h"

#include <cmath>
#include <limits>
#include <string>

#include "lib/model/value_format.h"

namespace tsdbd::promql::testscript {

bool AlmostEqual(double a, double b) {
  constexpr double kEpsilon = 0.000001;
  const double min_normal = std::numeric_limits<double>::min();
  if (std::isnan(a) && std::isnan(b)) return true;
  if (a == b) return true;
  const double diff = std::fabs(a - b);
  if (a == 0 || b == 0 || diff < min_normal) return diff < kEpsilon * min_normal;
  return diff / (std::fabs(a) + std::fabs(b)) < kEpsilon;
}

Status CompareResult(const EvalCommand& ev, const QueryResult& result, bool ordered) {
  switch (result.type) {
    case ValueType::kScalar:
      if (!ev.scalar) {
        return Error("expected a vector but got scalar " + FormatFloatG(result.scalar.v));
      }
      if (!AlmostEqual(*ev.scalar, result.scalar.v)) {
        return Error("expected scalar " + FormatFloatG(*ev.scalar) + " but got " +
                     FormatFloatG(result.scalar.v));
      }
      return Status::Ok();
    case ValueType::kVector: {
      if (ev.scalar) {
        return Error("expected scalar " + FormatFloatG(*ev.scalar) + " but got a vector of " +
                     std::to_string(result.vector.size()) + " series");
      }
      std::vector<bool> seen(ev.samples.size(), false);
      for (size_t pos = 0; pos < result.vector.size(); ++pos) {
        const Sample& got = result.vector[pos];
        size_t k = 0;
        while (k < ev.samples.size() && !(ev.samples[k].labels == got.metric)) ++k;
        if (k == ev.samples.size()) {
          return Error("unexpected metric " + got.metric.ToString() + " in result (value " +
                       FormatFloatG(got.v) + ")");
        }
        const ExpectedSample& exp = ev.samples[k];
        if (ordered && exp.pos != static_cast<int>(pos + 1)) {
          return Error("expected metric " + got.metric.ToString() + " at position " +
                       std::to_string(exp.pos) + " but was at " + std::to_string(pos + 1));
        }
        if (!AlmostEqual(exp.value, got.v)) {
          return Error("expected " + FormatFloatG(exp.value) + " for " + got.metric.ToString() +
                       " but got " + FormatFloatG(got.v));
        }
        seen[k] = true;
      }
      for (size_t k = 0; k < ev.samples.size(); ++k) {
        if (!seen[k]) {
          return Error("expected metric " + ev.samples[k].labels.ToString() + " with " +
                       FormatFloatG(ev.samples[k].value) + " not found");
        }
      }
      return Status::Ok();
    }
    case ValueType::kMatrix:
      return Error("received range result on instant evaluation");
    case ValueType::kString:
      return Error("received string result \"" + result.string + "\" on instant evaluation");
    default:
      return Error("received no result");
  }
}

}  // namespace tsdbd::promql::testscript
