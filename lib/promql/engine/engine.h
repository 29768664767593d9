// The PromQL engine: evaluates a parsed expression against a storage::Queryable at one time
// (instant query) or at every step of a range (range query), as Prometheus 2.42 does.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "lib/model/duration.h"
#include "lib/promql/ast.h"
#include "lib/promql/value.h"
#include "lib/storage/querier.h"

namespace tsdbd::promql {

struct EngineOptions {
  Duration lookback_delta = std::chrono::minutes(5);
  int64_t max_samples = 50'000'000;  // points held in memory at once
  Duration timeout = std::chrono::minutes(2);
  // The step of subqueries that give none (Prometheus's evaluation_interval).
  Duration default_evaluation_interval = std::chrono::minutes(1);
};

// Error classes as Prometheus's API reports them (errorType).
enum class QueryErrorType {
  kBadData,    // "bad_data", HTTP 400: invalid expression type for the query
  kExecution,  // "execution", HTTP 422: runtime errors, too many samples
  kTimeout,    // "timeout", HTTP 503
  kCanceled,   // "canceled", HTTP 503
  kInternal,   // "internal", HTTP 500: storage failures
};
const char* QueryErrorTypeName(QueryErrorType t);

struct QueryError {
  QueryErrorType type = QueryErrorType::kExecution;
  std::string message;  // Prometheus's wording, e.g. "query timed out in expression evaluation"
};

// Either a QueryResult or a QueryError.
struct QueryOutcome {
  bool ok() const { return !failed; }
  bool failed = false;
  QueryResult result;
  QueryError error;
};

// Set to abandon a running query; the engine checks it regularly.
using CancelToken = std::atomic<bool>;

// Stateless apart from its options; thread-safe: queries may run concurrently.
class Engine {
 public:
  explicit Engine(EngineOptions options = {}) : options_(options) {}

  // Evaluates `expr` at `t_ms`. `expr` must stay unchanged and alive during the call;
  // `cancel` (may be null) must outlive the call.
  QueryOutcome Instant(storage::Queryable& storage, const Expr& expr, int64_t t_ms,
                       const CancelToken* cancel = nullptr) const;

  // Evaluates `expr` (scalar or instant vector typed) at start, start+step, ... <= end.
  // The result is a matrix sorted by labels.
  QueryOutcome Range(storage::Queryable& storage, const Expr& expr, int64_t start_ms,
                     int64_t end_ms, int64_t step_ms, const CancelToken* cancel = nullptr) const;

  const EngineOptions& options() const { return options_; }

 private:
  QueryOutcome Exec(storage::Queryable& storage, const Expr& expr, int64_t start_ms, int64_t end_ms,
                    int64_t interval_ms, const CancelToken* cancel) const;
  EngineOptions options_;
};

}  // namespace tsdbd::promql
