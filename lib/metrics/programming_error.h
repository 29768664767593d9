// Misuse of the metrics API (a duplicate or invalid name, a wrong number of label values) is
// a programming error: names are constants, so the first test run finds it. It is reported
// on stderr and the process aborts, in release builds too.
#pragma once

#include <string_view>

namespace tsdbd::metrics {

[[noreturn]] void ProgrammingError(std::string_view message);

}  // namespace tsdbd::metrics
