#include "lib/metrics/names.h"

#include <gtest/gtest.h>

namespace tsdbd::metrics {
namespace {

TEST(NamesTest, UsableLabelNames) {
  for (const char* ok : {"a", "_", "_a", "job", "le", "A9_"}) {
    EXPECT_TRUE(IsUsableLabelName(ok)) << ok;
  }
  for (const char* bad : {"", "9a", "a:b", "a-b", "__name__", "__x", "a b"}) {
    EXPECT_FALSE(IsUsableLabelName(bad)) << bad;
  }
}

}  // namespace
}  // namespace tsdbd::metrics
