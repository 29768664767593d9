// How evaluation code reports a failure inside the engine. Thrown only within
// lib/promql/engine and lib/promql/functions; Engine turns it into a QueryError, so it never
// crosses the public API.
#pragma once

#include <string>

#include "lib/promql/engine/engine.h"

namespace tsdbd::promql {

struct EvalError {
  QueryErrorType type = QueryErrorType::kExecution;
  std::string message;
};

[[noreturn]] inline void ThrowExecution(std::string message) {
  throw EvalError{QueryErrorType::kExecution, std::move(message)};
}

}  // namespace tsdbd::promql
