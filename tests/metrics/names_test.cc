#include "lib/metrics/names.h"

#include <gtest/gtest.h>

namespace tsdbd::metrics {
namespace {

TEST(NamesTest, MetricNames) {
  for (const char* ok : {"a", "_", ":", "up", "http_requests_total", "job:rate5m", "A9_:"}) {
    EXPECT_TRUE(IsValidMetricName(ok)) << ok;
  }
  for (const char* bad : {"", "9a", "a-b", "a b", "é", "a.b", "a{"}) {
    EXPECT_FALSE(IsValidMetricName(bad)) << bad;
  }
}

TEST(NamesTest, LabelNames) {
  for (const char* ok : {"a", "_", "_a", "job", "le", "A9_"}) {
    EXPECT_TRUE(IsValidLabelName(ok)) << ok;
  }
  for (const char* bad : {"", "9a", "a:b", "a-b", "__name__", "__x", "a b"}) {
    EXPECT_FALSE(IsValidLabelName(bad)) << bad;
  }
}

}  // namespace
}  // namespace tsdbd::metrics
