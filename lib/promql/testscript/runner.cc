#include "lib/promql/testscript/runner.h"

#include <bit>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "lib/model/value_format.h"
#include "lib/promql/functions.h"
#include "lib/promql/parser.h"
#include "lib/promql/printer.h"
#include "lib/promql/testscript/compare.h"
#include "lib/storage/memory_storage.h"

namespace tsdbd::promql::testscript {
namespace {

constexpr int64_t kMinute = 60'000;

// Functions whose result depends on the evaluation time itself (Prometheus's
// AtModifierUnsafeFunctions): pinning selectors with @ does not make them step-invariant.
bool IsAtModifierUnsafe(std::string_view name) {
  static constexpr std::string_view kUnsafe[] = {
      "days_in_month", "day_of_month", "day_of_week",    "day_of_year", "hour",     "minute",
      "month",         "year",         "predict_linear", "time",        "timestamp"};
  for (std::string_view u : kUnsafe) {
    if (u == name) return true;
  }
  return false;
}

void Pin(AtModifier& at, int64_t t_ms) {
  if (at.kind != AtModifier::Kind::kTimestamp) {
    at.kind = AtModifier::Kind::kTimestamp;
    at.timestamp_ms = t_ms;
  }
}

// Puts `@ t_ms` on every selector and outermost subquery without a timestamp (nothing
// inside a subquery changes); returns false when `e` calls an @-unsafe function.
bool PinSelectors(Expr& e, int64_t t_ms, bool modify) {
  bool safe = true;
  switch (e.kind) {
    case ExprKind::kNumberLiteral:
    case ExprKind::kStringLiteral:
      break;
    case ExprKind::kVectorSelector:
      if (modify) Pin(static_cast<VectorSelector&>(e).at, t_ms);
      break;
    case ExprKind::kMatrixSelector:
      if (modify) Pin(static_cast<MatrixSelector&>(e).selector->at, t_ms);
      break;
    case ExprKind::kSubquery: {
      auto& sq = static_cast<SubqueryExpr&>(e);
      if (modify) Pin(sq.at, t_ms);
      safe = PinSelectors(*sq.expr, t_ms, false);
      break;
    }
    case ExprKind::kParen:
      safe = PinSelectors(*static_cast<ParenExpr&>(e).expr, t_ms, modify);
      break;
    case ExprKind::kUnary:
      safe = PinSelectors(*static_cast<UnaryExpr&>(e).expr, t_ms, modify);
      break;
    case ExprKind::kBinary: {
      auto& b = static_cast<BinaryExpr&>(e);
      safe = PinSelectors(*b.lhs, t_ms, modify);
      safe = PinSelectors(*b.rhs, t_ms, modify) && safe;
      break;
    }
    case ExprKind::kAggregate: {
      auto& a = static_cast<AggregateExpr&>(e);
      if (a.param) safe = PinSelectors(*a.param, t_ms, modify);
      safe = PinSelectors(*a.expr, t_ms, modify) && safe;
      break;
    }
    case ExprKind::kCall: {
      auto& c = static_cast<Call&>(e);
      safe = !IsAtModifierUnsafe(c.func->name);
      for (ExprPtr& arg : c.args) safe = PinSelectors(*arg, t_ms, modify) && safe;
      break;
    }
  }
  return safe;
}

// "90s", "-1.5s": how failure messages name an evaluation time.
std::string Seconds(int64_t t_ms) {
  std::string s = t_ms < 0 ? "-" : "";
  const uint64_t abs_ms = t_ms < 0 ? 0 - static_cast<uint64_t>(t_ms) : t_ms;
  s += std::to_string(abs_ms / 1000);
  if (uint64_t frac = abs_ms % 1000; frac != 0) {
    s += '.';
    for (uint64_t div = 100; div > 0 && frac > 0; div /= 10) {
      s += static_cast<char>('0' + frac / div);
      frac %= div;
    }
  }
  s += 's';
  return s;
}

class ScriptRun {
 public:
  explicit ScriptRun(const RunOptions& options) : options_(options), engine_(options.engine) {}

  RunReport Run(const Script& script) {
    Clear();
    for (const Command& cmd : script.commands) {
      switch (cmd.kind) {
        case Command::Kind::kClear:
          Clear();
          break;
        case Command::Kind::kLoad:
          if (Status s = Load(cmd.load); !s.ok()) {
            Fail(cmd.line, "load: " + s.message());
            return report_;
          }
          break;
        case Command::Kind::kEval:
          if (Status s = Eval(cmd.eval); !s.ok()) {
            Fail(cmd.line, s.message());
          } else {
            ++report_.passed;
          }
          break;
      }
    }
    return report_;
  }

 private:
  void Fail(int line, std::string message) {
    ++report_.failed;
    report_.failures.push_back({line, std::move(message)});
  }

  void Clear() {
    storage_ = std::make_unique<storage::MemoryStorage>();
    last_t_.clear();
  }

  // Appends like a TSDB appender: a sample older than its series' newest is out of order,
  // one at the same time with a different value a duplicate.
  Status Load(const LoadCommand& load) {
    struct Pending {
      const SeriesDesc* desc;
      std::vector<storage::Sample> samples;
    };
    std::vector<Pending> pending;
    for (const SeriesDesc& desc : load.series) {
      Pending p{&desc, {}};
      int64_t t = 0;
      for (const SequenceValue& v : desc.values) {
        if (!v.omitted) p.samples.push_back({t, v.value});
        t += load.step_ms;
      }
      auto it = last_t_.find(desc.labels.Hash());
      if (it != last_t_.end() && !p.samples.empty()) {
        const storage::Sample& first = p.samples.front();
        if (first.t < it->second.t) {
          return Error("out of order sample for " + desc.labels.ToString() + " at " +
                       Seconds(first.t));
        }
        if (first.t == it->second.t) {
          if (std::bit_cast<uint64_t>(first.v) != std::bit_cast<uint64_t>(it->second.v)) {
            return Error("duplicate sample for timestamp " + Seconds(first.t) + " of " +
                         desc.labels.ToString());
          }
          p.samples.erase(p.samples.begin());
        }
      }
      pending.push_back(std::move(p));
    }
    for (Pending& p : pending) {
      if (p.samples.empty()) continue;
      last_t_[p.desc->labels.Hash()] = p.samples.back();
      storage_->Add(p.desc->labels, std::move(p.samples));
    }
    return Status::Ok();
  }

  Status Eval(const EvalCommand& ev) {
    auto parsed = ParseExpr(ev.expr);
    if (!parsed.ok()) return Error(parsed.error().message());
    if (Status s = Check(ev, **parsed, ev.time_ms, false); !s.ok()) return s;
    if (!options_.check_at_modifier) return Status::Ok();

    const int64_t ts = ev.time_ms;
    if (!PinSelectors(**parsed, ts, true)) return Status::Ok();
    const std::vector<int64_t> times = ts == 0
                                           ? std::vector<int64_t>{-1'000'000, 1'000'000}
                                           : std::vector<int64_t>{-10 * ts, 0, ts / 5, ts, 10 * ts};
    for (int64_t t : times) {
      if (Status s = Check(ev, **parsed, t, true); !s.ok()) return s;
    }
    return Status::Ok();
  }

  // One instant query of `expr` at t_ms, and the same as a range query around it.
  Status Check(const EvalCommand& ev, const Expr& expr, int64_t t_ms, bool pinned) {
    const std::string what =
        pinned ? "query " + Format(expr) + " at " + Seconds(t_ms) + " (with @ added)"
               : "query " + ev.expr + " at " + Seconds(t_ms);
    QueryOutcome out = engine_.Instant(*storage_, expr, t_ms);
    if (!out.ok()) {
      if (ev.fail) return Status::Ok();
      return Error("error evaluating " + what + ": " + out.error.message);
    }
    if (ev.fail) return Error("expected error evaluating " + what + " but got none");
    if (Status s = CompareResult(ev, out.result, ev.ordered); !s.ok()) {
      return Error(what + ": " + s.message());
    }
    if (!options_.check_range_mode) return Status::Ok();

    QueryOutcome range = engine_.Range(*storage_, expr, t_ms - kMinute, t_ms + kMinute, kMinute);
    if (!range.ok()) {
      return Error("error evaluating " + what + " in range mode: " + range.error.message);
    }
    if (ev.ordered) return Status::Ok();  // range results have no order
    QueryResult at_t;
    if (out.result.type == ValueType::kScalar) {
      at_t.type = ValueType::kScalar;
      bool found = false;
      for (const Series& s : range.result.matrix) {
        for (const Point& p : s.points) {
          if (p.t == t_ms && !found) {
            at_t.scalar = p;
            found = true;
          }
        }
      }
      if (!found) return Error(what + " in range mode: no point at " + Seconds(t_ms));
    } else {
      at_t.type = ValueType::kVector;
      for (const Series& s : range.result.matrix) {
        for (const Point& p : s.points) {
          if (p.t == t_ms) {
            at_t.vector.push_back({s.metric, p.t, p.v});
            break;
          }
        }
      }
    }
    if (Status s = CompareResult(ev, at_t, false); !s.ok()) {
      return Error(what + " in range mode: " + s.message());
    }
    return Status::Ok();
  }

  const RunOptions& options_;
  Engine engine_;
  std::unique_ptr<storage::MemoryStorage> storage_;
  std::unordered_map<uint64_t, storage::Sample> last_t_;  // newest sample per series hash
  RunReport report_;
};

}  // namespace

RunReport RunScript(const Script& script, const RunOptions& options) {
  return ScriptRun(options).Run(script);
}

}  // namespace tsdbd::promql::testscript
