// Engine behaviour on a small in-memory storage: selection (lookback, stale markers, offset,
// @), operators and matching, aggregations, functions, subqueries, result order, and the
// failure paths (runtime errors, too many samples, cancellation, timeout).
#include "lib/promql/engine/engine.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "lib/model/value.h"
#include "lib/model/value_format.h"
#include "lib/promql/parser.h"
#include "lib/storage/memory_storage.h"

namespace tsdbd::promql {
namespace {

constexpr int64_t kMin = 60'000;

class EngineTest : public ::testing::Test {
 protected:
  // Adds samples every `step` ms from `start` with the given values (NaN "holes" with
  // `skip`).
  void Add(const Labels& l, int64_t start, int64_t step, std::vector<double> values) {
    std::vector<storage::Sample> s;
    for (size_t i = 0; i < values.size(); ++i) {
      s.push_back({start + static_cast<int64_t>(i) * step, values[i]});
    }
    storage_.Add(l, std::move(s));
  }

  std::string Text(const QueryOutcome& o) {
    if (!o.ok())
      return std::string("ERR ") + QueryErrorTypeName(o.error.type) + ": " + o.error.message;
    const QueryResult& r = o.result;
    std::string out;
    switch (r.type) {
      case ValueType::kScalar:
        return "scalar " + FormatFloatF(r.scalar.v);
      case ValueType::kString:
        return "string " + r.string;
      case ValueType::kVector:
        for (const Sample& s : r.vector) {
          out += s.metric.ToString() + " " + FormatFloatJSON(s.v) + "\n";
        }
        return out;
      case ValueType::kMatrix:
        for (const Series& s : r.matrix) {
          out += s.metric.ToString();
          for (const Point& p : s.points) {
            out.append(" ").append(std::to_string(p.t / 1000)).append(":");
            out.append(FormatFloatJSON(p.v));
          }
          out += "\n";
        }
        return out;
      default:
        return "none";
    }
  }

  std::string Instant(const std::string& q, int64_t t) {
    auto e = ParseExpr(q);
    EXPECT_TRUE(e.ok()) << q;
    if (!e.ok()) return "";
    return Text(engine_.Instant(storage_, **e, t));
  }
  std::string Range(const std::string& q, int64_t start, int64_t end, int64_t step) {
    auto e = ParseExpr(q);
    EXPECT_TRUE(e.ok()) << q;
    if (!e.ok()) return "";
    return Text(engine_.Range(storage_, **e, start, end, step));
  }

  storage::MemoryStorage storage_;
  Engine engine_;
};

TEST_F(EngineTest, LookbackIsInclusiveAndStaleMarkersHideTheSeries) {
  storage_.Add(Labels{{"__name__", "m"}},
               {{0, 1}, {60'000, 2}, {120'000, StaleNaN()}, {600'000, 5}});
  EXPECT_EQ(Instant("m", 0), "{__name__=\"m\"} 1\n");
  EXPECT_EQ(Instant("m", 90'000), "{__name__=\"m\"} 2\n");
  // The stale marker at 2m hides the series although 1m is within the lookback.
  EXPECT_EQ(Instant("m", 130'000), "");
  // 5m after the last real sample, with no stale marker in between: still visible.
  EXPECT_EQ(Instant("m", 600'000 + 5 * kMin), "{__name__=\"m\"} 5\n");
  EXPECT_EQ(Instant("m", 600'000 + 5 * kMin + 1), "");
  EXPECT_EQ(Instant("m", -1), "");
  // Stale markers never appear in range vectors.
  EXPECT_EQ(Instant("count_over_time(m[10m])", 600'000), "{} 3\n");
  EXPECT_EQ(Range("m", 0, 240'000, 60'000), "{__name__=\"m\"} 0:1 60:2\n");
}

TEST_F(EngineTest, OffsetAndAt) {
  Add(Labels{{"__name__", "m"}}, 0, kMin, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  EXPECT_EQ(Instant("m offset 2m", 5 * kMin), "{__name__=\"m\"} 3\n");
  EXPECT_EQ(Instant("m offset -2m", 5 * kMin), "{__name__=\"m\"} 7\n");
  EXPECT_EQ(Instant("m @ 120", 9 * kMin), "{__name__=\"m\"} 2\n");
  EXPECT_EQ(Instant("m @ 240 offset 1m", 0), "{__name__=\"m\"} 3\n");
  EXPECT_EQ(Range("m @ start()", 2 * kMin, 4 * kMin, kMin), "{__name__=\"m\"} 120:2 180:2 240:2\n");
  EXPECT_EQ(Range("m @ end()", 2 * kMin, 4 * kMin, kMin), "{__name__=\"m\"} 120:4 180:4 240:4\n");
  EXPECT_EQ(Range("sum_over_time(m[2m] @ 300)", 0, 2 * kMin, kMin), "{} 0:12 60:12 120:12\n");
}

// @ at the ends of int64 milliseconds (and beyond them, where Go's conversion gives int64's
// minimum): nothing is selected, and no time arithmetic overflows on the way.
TEST_F(EngineTest, AtTheEndsOfTimeSelectsNothing) {
  Add(Labels{{"__name__", "m"}}, 0, kMin, {0, 1, 2, 3});
  for (const char* q : {"m @ -9223372036854775", "m offset 1h @ -9223372036854775",
                        "m offset -1h @ 9223372036854775", "rate(m[5m] @ -9223372036854775)",
                        "max_over_time(m[5m:1m] @ -9223372036854775)", "m @ 1e16",
                        "timestamp(m @ 1e17)", "max_over_time(m[5m:1m] offset 1h @ 1e16)"}) {
    EXPECT_EQ(Instant(q, 2 * kMin), "") << q;
    EXPECT_EQ(Range(q, 0, 2 * kMin, kMin), "") << q;
  }
}

TEST_F(EngineTest, RateExtrapolation) {
  // A counter rising 10 per 15s with a reset.
  Add(Labels{{"__name__", "c"}}, 15'000, 15'000, {10, 20, 30, 40, 5, 15, 25, 35});
  // 8 samples over 105 s in a 120 s window: increase 25 + 40 (reset) = 65; the start gap
  // (15 s) is below 1.1 x the 15 s average and the zero point (16.2 s away) is further,
  // so extrapolation covers the whole window: 65 * 120 / 105.
  EXPECT_EQ(Instant("increase(c[2m])", 120'000), "{} 74.28571428571428\n");
  EXPECT_EQ(Instant("rate(c[2m])", 120'000), "{} 0.619047619047619\n");
  EXPECT_EQ(Instant("resets(c[2m])", 120'000), "{} 1\n");
  EXPECT_EQ(Instant("irate(c[2m])", 120'000), "{} 0.6666666666666666\n");
  EXPECT_EQ(Instant("delta(c[2m])", 120'000), "{} 28.57142857142857\n");
  // A zero point closer than the window start limits extrapolation for counters.
  EXPECT_EQ(Instant("increase(c[2m] offset -45s)", 120'000), Instant("increase(c[2m])", 165'000));
  // Fewer than two samples: no output.
  EXPECT_EQ(Instant("rate(c[10s])", 120'000), "");
}

TEST_F(EngineTest, OneToOneAndGroupLeftMatching) {
  Add(Labels{{"__name__", "a"}, {"job", "x"}, {"i", "1"}}, 0, kMin, {10});
  Add(Labels{{"__name__", "a"}, {"job", "x"}, {"i", "2"}}, 0, kMin, {20});
  Add(Labels{{"__name__", "b"}, {"job", "x"}, {"team", "t"}}, 0, kMin, {2});
  EXPECT_EQ(Instant("a / on(job) group_left(team) b", 0),
            "{i=\"1\", job=\"x\", team=\"t\"} 5\n{i=\"2\", job=\"x\", team=\"t\"} 10\n");
  EXPECT_EQ(Instant("a > on(job) group_left b", 0),
            "{__name__=\"a\", i=\"1\", job=\"x\"} 10\n{__name__=\"a\", i=\"2\", job=\"x\"} 20\n");
  EXPECT_EQ(Instant("a > bool on(job) group_left b", 0),
            "{i=\"1\", job=\"x\"} 1\n{i=\"2\", job=\"x\"} 1\n");
  EXPECT_EQ(Instant("a / on(job) b", 0),
            "ERR execution: multiple matches for labels: many-to-one matching must be explicit "
            "(group_left/group_right)");
  EXPECT_EQ(Instant("b / on(job) a", 0),
            "ERR execution: found duplicate series for the match group {job=\"x\"} on the right "
            "hand-side of the operation: [{__name__=\"a\", i=\"2\", job=\"x\"}, {__name__=\"a\", "
            "i=\"1\", job=\"x\"}];many-to-many matching not allowed: matching labels must be "
            "unique on one side");
  EXPECT_EQ(Instant("a + ignoring(i) a", 0),
            "ERR execution: found duplicate series for the match group {job=\"x\"} on the right "
            "hand-side of the operation: [{__name__=\"a\", i=\"2\", job=\"x\"}, {__name__=\"a\", "
            "i=\"1\", job=\"x\"}];many-to-many matching not allowed: matching labels must be "
            "unique on one side");
  EXPECT_EQ(Instant("{__name__=~\"a|b\"} * 2", 0).substr(0, 14), "{i=\"1\", job=\"x");
  EXPECT_EQ(Instant("a or b", 0),
            "{__name__=\"a\", i=\"1\", job=\"x\"} 10\n{__name__=\"a\", i=\"2\", job=\"x\"} 20\n"
            "{__name__=\"b\", job=\"x\", team=\"t\"} 2\n");
  EXPECT_EQ(Instant("a and on(job) b", 0),
            "{__name__=\"a\", i=\"1\", job=\"x\"} 10\n{__name__=\"a\", i=\"2\", job=\"x\"} 20\n");
  EXPECT_EQ(Instant("a unless on(job) b", 0), "");
}

TEST_F(EngineTest, DuplicateLabelsetsAreAnError) {
  Add(Labels{{"__name__", "a"}, {"job", "x"}}, 0, kMin, {1, 2});
  Add(Labels{{"__name__", "b"}, {"job", "x"}}, 0, kMin, {3, 4});
  const std::string err = "ERR execution: vector cannot contain metrics with the same labelset";
  EXPECT_EQ(Instant("{job=\"x\"} + 1", 0), err);
  EXPECT_EQ(Instant("-{job=\"x\"}", 0), err);
  EXPECT_EQ(Instant("rate({job=\"x\"}[5m])", kMin), err);
  EXPECT_EQ(Instant("abs({job=\"x\"})", 0), err);
  EXPECT_EQ(Instant("last_over_time({job=\"x\"}[5m])", kMin).substr(0, 3), "{__");
}

TEST_F(EngineTest, Aggregations) {
  Add(Labels{{"__name__", "m"}, {"g", "a"}, {"i", "1"}}, 0, kMin, {1});
  Add(Labels{{"__name__", "m"}, {"g", "a"}, {"i", "2"}}, 0, kMin, {4});
  Add(Labels{{"__name__", "m"}, {"g", "b"}, {"i", "3"}}, 0, kMin, {4});
  Add(Labels{{"__name__", "m"}, {"g", "b"}, {"i", "4"}}, 0, kMin, {NAN});
  EXPECT_EQ(Instant("sum by (g) (m)", 0), "{g=\"a\"} 5\n{g=\"b\"} NaN\n");
  EXPECT_EQ(Instant("max by (g) (m)", 0), "{g=\"a\"} 4\n{g=\"b\"} 4\n");
  EXPECT_EQ(Instant("avg without (i) (m)", 0), "{g=\"a\"} 2.5\n{g=\"b\"} NaN\n");
  EXPECT_EQ(Instant("count(m)", 0), "{} 4\n");
  EXPECT_EQ(Instant("stddev by (g) (m{g=\"a\"})", 0), "{g=\"a\"} 1.5\n");
  // Ties come out as Prometheus 2.42's heap leaves them: the later 4 was pushed after the
  // root (1) was popped, below the earlier 4.
  EXPECT_EQ(Instant("topk(2, m)", 0),
            "{__name__=\"m\", g=\"a\", i=\"2\"} 4\n{__name__=\"m\", g=\"b\", i=\"3\"} 4\n");
  EXPECT_EQ(Instant("bottomk(1, m) by (g)", 0),
            "{__name__=\"m\", g=\"a\", i=\"1\"} 1\n{__name__=\"m\", g=\"b\", i=\"3\"} 4\n");
  EXPECT_EQ(Instant("quantile(0.5, m{g=\"a\"})", 0), "{} 2.5\n");
  EXPECT_EQ(Instant("count_values(\"v\", m{g=\"a\"})", 0), "{v=\"1\"} 1\n{v=\"4\"} 1\n");
  EXPECT_EQ(Instant("count_values(\"a-b\", m)", 0), "ERR execution: invalid label name \"a-b\"");
  EXPECT_EQ(Instant("topk(1e30, m)", 0), "ERR execution: Scalar value 1e+30 overflows int64");
}

TEST_F(EngineTest, HistogramQuantile) {
  const char* les[] = {"0.1", "1", "10", "+Inf"};
  const double counts[] = {10, 60, 90, 100};
  for (int i = 0; i < 4; ++i) {
    Add(Labels{{"__name__", "h_bucket"}, {"le", les[i]}}, 0, kMin, {counts[i]});
  }
  EXPECT_EQ(Instant("histogram_quantile(0.5, h_bucket)", 0), "{} 0.8200000000000001\n");
  EXPECT_EQ(Instant("histogram_quantile(0.99, h_bucket)", 0), "{} 10\n");
  EXPECT_EQ(Instant("histogram_quantile(-1, h_bucket)", 0), "{} -Inf\n");
  EXPECT_EQ(Instant("histogram_quantile(2, h_bucket)", 0), "{} +Inf\n");
  EXPECT_EQ(Instant("histogram_quantile(0.5, h_bucket{le!=\"+Inf\"})", 0), "{} NaN\n");
}

TEST_F(EngineTest, SubqueriesAlignToTheirStep) {
  Add(Labels{{"__name__", "m"}}, 0, 10'000, std::vector<double>(100, 1));
  // Steps at 0:00, 1:00, ... within (now-5m, now]; 10:30 gives 6:00..10:00 (5 points).
  EXPECT_EQ(Instant("count_over_time(m[5m:1m])", 10 * kMin + 30'000), "{} 5\n");
  EXPECT_EQ(Instant("count_over_time(m[5m:1m])", 10 * kMin), "{} 6\n");
  EXPECT_EQ(Instant("m[2m:1m]", 10 * kMin), "{__name__=\"m\"} 480:1 540:1 600:1\n");
}

TEST_F(EngineTest, RangeResultsAreSortedAndTypesChecked) {
  Add(Labels{{"__name__", "m"}, {"x", "b"}}, 0, kMin, {1, 2, 3});
  Add(Labels{{"__name__", "m"}, {"x", "a"}}, 0, kMin, {5, 6, 7});
  EXPECT_EQ(Range("sort_desc(m)", 0, 2 * kMin, kMin),
            "{__name__=\"m\", x=\"a\"} 0:5 60:6 120:7\n{__name__=\"m\", x=\"b\"} 0:1 60:2 120:3\n");
  EXPECT_EQ(Instant("sort_desc(m)", 0),
            "{__name__=\"m\", x=\"a\"} 5\n{__name__=\"m\", x=\"b\"} 1\n");
  EXPECT_EQ(Instant("sort(m)", 0), "{__name__=\"m\", x=\"b\"} 1\n{__name__=\"m\", x=\"a\"} 5\n");
  EXPECT_EQ(Range("m[1m]", 0, kMin, kMin),
            "ERR bad_data: invalid expression type \"range vector\" for range query, must be "
            "Scalar or instant Vector");
  EXPECT_EQ(Range("time()", 0, kMin, kMin), "{} 0:0 60:60\n");
  EXPECT_EQ(Instant("1 + 2", 0), "scalar 3");
  EXPECT_EQ(Instant("\"s\"", 0), "string s");
  // A string in parentheses fails at evaluation in Prometheus 2.42, in these words.
  EXPECT_EQ(Instant("((\"s\"))", 0),
            "ERR execution: unexpected result in StepInvariantExpr evaluation: "
            "*parser.StepInvariantExpr");
}

TEST_F(EngineTest, FunctionsWithLabels) {
  Add(Labels{{"__name__", "m"}, {"instance", "h:9"}}, 0, kMin, {1.5});
  EXPECT_EQ(Instant("label_replace(m, \"host\", \"$1\", \"instance\", \"(.*):.*\")", 0),
            "{__name__=\"m\", host=\"h\", instance=\"h:9\"} 1.5\n");
  EXPECT_EQ(Instant("label_replace(m, \"a-b\", \"$1\", \"instance\", \"(.*)\")", 0),
            "ERR execution: invalid destination label name in label_replace(): a-b");
  EXPECT_EQ(Instant("label_join(m, \"j\", \"/\", \"__name__\", \"instance\")", 0),
            "{__name__=\"m\", instance=\"h:9\", j=\"m/h:9\"} 1.5\n");
  EXPECT_EQ(Instant("absent(nope{a=\"1\", b=~\"x\"})", 0), "{a=\"1\"} 1\n");
  EXPECT_EQ(Instant("absent(m)", 0), "");
  EXPECT_EQ(Instant("round(m)", 0), "{instance=\"h:9\"} 2\n");
  EXPECT_EQ(Instant("clamp(m, 2, 1)", 0), "");
  EXPECT_EQ(Instant("timestamp(m)", 30'000), "{instance=\"h:9\"} 0\n");
  // The factors are checked before the number of points.
  EXPECT_EQ(Instant("holt_winters(m[5m], 2, 0.5)", 0),
            "ERR execution: invalid smoothing factor. Expected: 0 < sf < 1, got: 2.000000");
}

TEST_F(EngineTest, TooManySamples) {
  for (int i = 0; i < 10; ++i) {
    Add(Labels{{"__name__", "m"}, {"i", std::to_string(i)}}, 0, kMin, std::vector<double>(20, 1));
  }
  EngineOptions opts;
  opts.max_samples = 50;
  Engine small(opts);
  auto e = ParseExpr("sum(m)");
  ASSERT_TRUE(e.ok());
  auto o = small.Range(storage_, **e, 0, 19 * kMin, kMin);
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.error.type, QueryErrorType::kExecution);
  EXPECT_EQ(o.error.message,
            "query processing would load too many samples into memory in query execution");
  EXPECT_TRUE(small.Instant(storage_, **e, 0).ok());
}

// absent_over_time drops the metric names of its input but does not check them for
// duplicates (Prometheus checks only after its absent branch); other range functions do.
TEST_F(EngineTest, AbsentOverTimeIgnoresDuplicateLabelsets) {
  Add(Labels{{"__name__", "x"}, {"j", "1"}}, 0, kMin, {1, 1});
  Add(Labels{{"__name__", "y"}, {"j", "1"}}, 0, kMin, {1, 1});
  EXPECT_EQ(Instant("absent_over_time({__name__=~\"x|y\"}[5m])", kMin), "");
  EXPECT_EQ(Instant("count_over_time({__name__=~\"x|y\"}[5m])", kMin),
            "ERR execution: vector cannot contain metrics with the same labelset");
  EXPECT_EQ(Instant("absent_over_time({__name__=~\"z|w\"}[5m])", kMin), "{} 1\n");
}

// The points of a subquery stay counted while the function slides windows over them (also
// counted); afterwards only the function's output is.
TEST_F(EngineTest, TooManySamplesCountsSubqueryAndWindows) {
  Add(Labels{{"__name__", "m"}}, 0, 1000, std::vector<double>(200, 1));
  auto run = [&](const std::string& q, int64_t max_samples) {
    EngineOptions opts;
    opts.max_samples = max_samples;
    auto e = ParseExpr(q);
    EXPECT_TRUE(e.ok()) << q;
    return e.ok() && Engine(opts).Instant(storage_, **e, 199'000).ok();
  };
  // 50 subquery points, a 50-point window and one output.
  EXPECT_TRUE(run("sum_over_time(m[49s:1s])", 101));
  EXPECT_FALSE(run("sum_over_time(m[50s:1s])", 101));
  // The left side's output (one point) is all that is left of it for the right side.
  EXPECT_FALSE(run("sum_over_time(m[49s:1s]) + sum_over_time(m[49s:1s])", 101));
  EXPECT_TRUE(run("sum_over_time(m[49s:1s]) + sum_over_time(m[49s:1s])", 102));
}

TEST_F(EngineTest, CancelAndTimeout) {
  for (int i = 0; i < 200; ++i) {
    Add(Labels{{"__name__", "m"}, {"i", std::to_string(i)}}, 0, kMin, std::vector<double>(100, 1));
  }
  auto e = ParseExpr("sum(rate(m[5m]))");
  ASSERT_TRUE(e.ok());
  CancelToken cancel{true};
  auto o = engine_.Range(storage_, **e, 0, 99 * kMin, kMin, &cancel);
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.error.type, QueryErrorType::kCanceled);
  EXPECT_EQ(o.error.message, "query was canceled in expression evaluation");

  // A deadline passed before evaluation starts is reported as Prometheus's execution check
  // reports it.
  EngineOptions opts;
  opts.timeout = Duration(-1);
  Engine hasty(opts);
  o = hasty.Range(storage_, **e, 0, 99 * kMin, kMin);
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.error.type, QueryErrorType::kTimeout);
  EXPECT_EQ(o.error.message, "query timed out in query execution");
}

// A step under a millisecond is 0 milliseconds, which Prometheus fails on with Go's division
// error, even where start and end are equal; an end before the start (where the API's times
// wrap around) has no steps.
TEST_F(EngineTest, RangeWithAZeroStepOrNoSteps) {
  Add(Labels{{"__name__", "m"}}, 0, kMin, {1, 2, 3});
  auto e = ParseExpr("m");
  ASSERT_TRUE(e.ok());
  auto zero = engine_.Range(storage_, **e, 0, kMin, 0);
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.error.type, QueryErrorType::kExecution);
  EXPECT_EQ(zero.error.message, "unexpected error: runtime error: integer divide by zero");
  EXPECT_EQ(Text(engine_.Range(storage_, **e, kMin, kMin, 0)),
            "ERR execution: unexpected error: runtime error: integer divide by zero");
  EXPECT_EQ(Range("m", kMin, 0, kMin), "");
}

}  // namespace
}  // namespace tsdbd::promql
