// Prometheus 2.42's PromQL function table: names, argument types and return types.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "lib/promql/ast.h"

namespace tsdbd::promql {

struct Function {
  std::string_view name;
  std::vector<ValueType> arg_types;
  // 0: exactly arg_types.size() arguments; n > 0: the last n are optional;
  // -1: the last type repeats without limit (at least arg_types.size() - 1 arguments).
  int variadic = 0;
  ValueType return_type = ValueType::kVector;
};

// The function called `name` (case-sensitive), or null.
const Function* LookupFunction(std::string_view name);
// Every function, for documentation and tests.
std::span<const Function> AllFunctions();

}  // namespace tsdbd::promql
