// The engine's --query.max-samples accounting against thresholds recorded from Prometheus
// 2.42 (max_samples_cases.h): one X below each family's threshold the query answers, at the
// threshold it fails with Prometheus's error; and how the limit's failure looks.
#include <gtest/gtest.h>

#include <string>

#include "lib/promql/engine/engine.h"
#include "lib/promql/parser.h"
#include "lib/storage/memory_storage.h"
#include "tests/promql/max_samples_cases.h"

namespace tsdbd::promql {
namespace {

using max_samples_cases::Family;

class MaxSamplesTest : public ::testing::Test {
 protected:
  void SetUp() override { max_samples_cases::Load(&storage_); }

  QueryOutcome Run(const Family& f, int64_t x, int64_t max_samples) {
    EngineOptions opts;
    opts.max_samples = max_samples;
    Engine engine(opts);
    auto e = ParseExpr(max_samples_cases::Substitute(f.query, x));
    EXPECT_TRUE(e.ok()) << f.query;
    if (!e.ok()) return {};
    const int64_t t0 = max_samples_cases::kT0;
    if (f.step == 0) return engine.Instant(storage_, **e, (t0 + f.start) * 1000);
    return engine.Range(storage_, **e, (t0 + f.start) * 1000, (t0 + f.end + x * f.end_per_x) * 1000,
                        f.step * 1000);
  }

  storage::MemoryStorage storage_;
};

TEST_F(MaxSamplesTest, FailsWherePrometheusFails) {
  for (const Family& f : max_samples_cases::Families()) {
    SCOPED_TRACE(f.query);
    const QueryOutcome below = Run(f, f.threshold - 1, max_samples_cases::kMaxSamples);
    EXPECT_TRUE(below.ok()) << "X=" << f.threshold - 1 << ": " << below.error.message;
    const QueryOutcome at = Run(f, f.threshold, max_samples_cases::kMaxSamples);
    ASSERT_FALSE(at.ok()) << "X=" << f.threshold;
    EXPECT_EQ(at.error.type, QueryErrorType::kExecution);
    EXPECT_EQ(at.error.message,
              "query processing would load too many samples into memory in query execution");
  }
}

// The failures come from the limit alone: with the default limit every family answers at
// its threshold.
TEST_F(MaxSamplesTest, DefaultLimitAnswers) {
  for (const Family& f : max_samples_cases::Families()) {
    SCOPED_TRACE(f.query);
    const QueryOutcome o = Run(f, f.threshold, EngineOptions().max_samples);
    EXPECT_TRUE(o.ok()) << o.error.message;
  }
}

// A range function's windows are released series by series: five series whose windows
// together exceed the limit answer, one window over the limit does not.
TEST_F(MaxSamplesTest, WindowsAreHeldOneSeriesAtATime) {
  const Family five{"sum_over_time(a[1000s])", 0, 0, 0};
  const QueryOutcome o = Run(five, 0, max_samples_cases::kMaxSamples);
  ASSERT_TRUE(o.ok()) << o.error.message;
  EXPECT_EQ(o.result.vector.size(), 5u);
  const Family one{"sum_over_time(m[2000s])", 0, 0, 0};
  EXPECT_FALSE(Run(one, 0, max_samples_cases::kMaxSamples).ok());
  EXPECT_TRUE(Run(one, 0, 2002).ok());  // 2001 points in the window and one output
}

}  // namespace
}  // namespace tsdbd::promql
