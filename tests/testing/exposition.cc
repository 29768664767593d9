#include "tests/testing/exposition.h"

#include <cstdlib>

namespace tsdbd::testing {

double MetricValue(const std::string& text, const std::string& name) {
  const size_t at = text.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::strtod(text.c_str() + at + name.size() + 2, nullptr);
}

}  // namespace tsdbd::testing
