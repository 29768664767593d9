#include "lib/metrics/programming_error.h"

#include <cstdio>
#include <cstdlib>

namespace tsdbd::metrics {

void ProgrammingError(std::string_view message) {
  std::fprintf(stderr, "tsdbd: metrics: %.*s\n", static_cast<int>(message.size()), message.data());
  std::fflush(stderr);
  std::abort();
}

}  // namespace tsdbd::metrics
