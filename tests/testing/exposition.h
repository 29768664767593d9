// Reading a server's own /metrics in tests.
#pragma once

#include <string>

namespace tsdbd::testing {

// The value of the unlabelled sample `name` in exposition text; -1 when absent.
double MetricValue(const std::string& text, const std::string& name);

}  // namespace tsdbd::testing
