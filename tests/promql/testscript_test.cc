// The PromQL test-script runner: the series notation, the script parser and its errors, the
// comparison tolerance, and the runner's verdicts (passes and every kind of failure).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "lib/model/value.h"
#include "lib/promql/testscript/compare.h"
#include "lib/promql/testscript/runner.h"
#include "lib/promql/testscript/script.h"
#include "lib/promql/testscript/series_desc.h"

namespace tsdbd::promql::testscript {
namespace {

// The sequence as text: values, "_" for omitted, "stale" for stale markers.
std::string Seq(std::string_view text) {
  auto r = ParseSequence(text);
  if (!r.ok()) return "ERR " + r.error().message();
  std::string out;
  for (const SequenceValue& v : *r) {
    if (!out.empty()) out += ' ';
    if (v.omitted) {
      out += '_';
    } else if (IsStaleNaN(v.value)) {
      out += "stale";
    } else {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g", v.value);
      out += buf;
    }
  }
  return out;
}

TEST(SeriesSequence, ExpandsLikePrometheus) {
  EXPECT_EQ(Seq("1+2x3"), "1 3 5 7");
  EXPECT_EQ(Seq("1-1x3"), "1 0 -1 -2");
  EXPECT_EQ(Seq("-1+0.5x2"), "-1 -0.5 0");
  EXPECT_EQ(Seq("1x3"), "1 1 1 1");
  EXPECT_EQ(Seq("5x0"), "5");
  EXPECT_EQ(Seq("_"), "_");
  EXPECT_EQ(Seq("_x3"), "_ _ _");
  EXPECT_EQ(Seq("1 _ 3 stale 5"), "1 _ 3 stale 5");
  EXPECT_EQ(Seq("Inf -Inf +Inf NaN nan"), "inf -inf inf nan nan");
  EXPECT_EQ(Seq("Infx1"), "inf inf");
  EXPECT_EQ(Seq("1e3+1e1x1"), "1000 1010");
  EXPECT_EQ(Seq("2e-1"), "0.2");
  EXPECT_EQ(Seq("  1   2\t3  "), "1 2 3");
  EXPECT_EQ(Seq(""), "");
}

TEST(SeriesSequence, RefusesMalformedItems) {
  for (const char* bad : {"abc", "1+x3", "stalex2", "1+2", "1x", "x3", "1+2y3", "--1", "1..2"}) {
    EXPECT_EQ(Seq(bad).rfind("ERR bad series value", 0), 0u) << bad << " -> " << Seq(bad);
  }
}

TEST(SeriesDesc, ParsesMetricAndLabels) {
  auto d = ParseSeriesDesc(R"(http_requests{job="api", instance="a b"} 1+1x2)");
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->labels.ToString(), R"({__name__="http_requests", instance="a b", job="api"})");
  EXPECT_EQ(d->values.size(), 3u);

  d = ParseSeriesDesc("{} 3");
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->labels.empty());
  d = ParseSeriesDesc("up{} 3");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->labels.ToString(), R"({__name__="up"})");
  d = ParseSeriesDesc(R"({__name__="1.5", a="x\"y", b='it\'s'} 3)");
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->labels.MetricName(), "1.5");
  EXPECT_EQ(d->labels.Get("a"), "x\"y");
  EXPECT_EQ(d->labels.Get("b"), "it's");
  d = ParseSeriesDesc(R"(m{a="}{"} 1)");
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->labels.Get("a"), "}{");
}

TEST(SeriesDesc, RefusesMatchersOtherThanEqualAndBrokenSets) {
  EXPECT_FALSE(ParseSeriesDesc(R"(m{a=~"x"} 1)").ok());
  EXPECT_FALSE(ParseSeriesDesc(R"(m{a!="x"} 1)").ok());
  EXPECT_FALSE(ParseSeriesDesc(R"(m{a="x" 1)").ok());
  EXPECT_FALSE(ParseSeriesDesc(R"(m{a=x} 1)").ok());
  EXPECT_FALSE(ParseSeriesDesc("m bad").ok());
}

TEST(Scalar, ReadsAsGoDoes) {
  double v = 0;
  ASSERT_TRUE(ParseScalar("42", &v));
  EXPECT_EQ(v, 42);
  ASSERT_TRUE(ParseScalar("0x10", &v));
  EXPECT_EQ(v, 16);
  ASSERT_TRUE(ParseScalar("010", &v));  // ParseInt base 0: octal
  EXPECT_EQ(v, 8);
  ASSERT_TRUE(ParseScalar("-2.5e2", &v));
  EXPECT_EQ(v, -250);
  ASSERT_TRUE(ParseScalar("-Inf", &v));
  EXPECT_EQ(v, -std::numeric_limits<double>::infinity());
  ASSERT_TRUE(ParseScalar("NaN", &v));
  EXPECT_TRUE(std::isnan(v));
  for (const char* bad : {"", "abc", "1 2", "{} 1", "m 1", "1x3"}) {
    EXPECT_FALSE(ParseScalar(bad, &v)) << bad;
  }
}

TEST(AlmostEqual, UsesPrometheusTolerance) {
  EXPECT_TRUE(AlmostEqual(1, 1));
  EXPECT_TRUE(AlmostEqual(1e6, 1e6 + 1));   // 5e-7 relative
  EXPECT_FALSE(AlmostEqual(1e6, 1e6 + 3));  // 1.5e-6 relative
  EXPECT_TRUE(AlmostEqual(std::nan(""), StaleNaN()));
  EXPECT_FALSE(AlmostEqual(std::nan(""), 0));
  EXPECT_FALSE(AlmostEqual(0, 1e-300));  // next to zero: absolute, tiny
  EXPECT_TRUE(AlmostEqual(INFINITY, INFINITY));
  EXPECT_FALSE(AlmostEqual(INFINITY, -INFINITY));
}

TEST(Script, CommentsEndBlocks) {
  // A comment blanks its line, as in Prometheus, so what follows it is read as a command.
  auto s = ParseScript("# top\nload 5m\n  a 1\n  # c\n  b 2\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(), "5: invalid command \"b 2\"");
  s = ParseScript("load 5m\n  a 1\n\n# c\neval instant at 0s a\n  a 1\n  # c\n");
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(s->commands.size(), 2u);
}

TEST(Script, ReadsEveryCommandKind) {
  auto s = ParseScript(R"(load 5m
  a{x="1"} 1 2 3
  a{x="1"} 9
  b 1

eval instant at 10m a
  a{x="1"} 3
  b 1

eval_ordered instant at 1h sort(a)

eval_fail instant at 0s a

clear
eval instant vector(7)

eval instant at 1m scalar(vector(7))
  7
)");
  ASSERT_TRUE(s.ok()) << s.error().message();
  ASSERT_EQ(s->commands.size(), 7u);
  const Command& load = s->commands[0];
  EXPECT_EQ(load.kind, Command::Kind::kLoad);
  EXPECT_EQ(load.line, 1);
  EXPECT_EQ(load.load.step_ms, 300'000);
  ASSERT_EQ(load.load.series.size(), 2u);  // the later a{x="1"} replaced the first
  EXPECT_EQ(load.load.series[0].values.size(), 1u);

  const EvalCommand& ev = s->commands[1].eval;
  EXPECT_EQ(s->commands[1].line, 6);
  EXPECT_EQ(ev.time_ms, 600'000);
  EXPECT_EQ(ev.expr, "a");
  ASSERT_EQ(ev.samples.size(), 2u);
  EXPECT_EQ(ev.samples[1].pos, 2);
  EXPECT_EQ(ev.samples[1].line, 8);
  EXPECT_TRUE(s->commands[2].eval.ordered);
  EXPECT_EQ(s->commands[2].eval.time_ms, 3'600'000);
  EXPECT_TRUE(s->commands[3].eval.fail);
  EXPECT_EQ(s->commands[4].kind, Command::Kind::kClear);
  EXPECT_EQ(s->commands[5].eval.time_ms, 0);
  EXPECT_EQ(s->commands[5].eval.expr, "vector(7)");
  ASSERT_TRUE(s->commands[6].eval.scalar.has_value());
  EXPECT_EQ(*s->commands[6].eval.scalar, 7);
}

TEST(Script, ErrorsNameTheLine) {
  auto err = [](const char* text) {
    auto s = ParseScript(text);
    return s.ok() ? std::string("ok") : s.error().message();
  };
  EXPECT_EQ(err("\n\nfrobnicate 1\n"), "3: invalid command \"frobnicate 1\"");
  EXPECT_EQ(err("load\n").rfind("1: invalid load command", 0), 0u);
  EXPECT_EQ(err("load 5x\n").rfind("1: invalid step definition \"5x\"", 0), 0u);
  EXPECT_EQ(err("load 1m\n  a 1 b\n").rfind("2: bad series value \"b\"", 0), 0u);
  EXPECT_EQ(err("eval range from 0 to 1m step 1m a\n").rfind("1: invalid evaluation command", 0),
            0u);
  EXPECT_EQ(err("eval_sorted instant at 1m a\n").rfind("1: invalid evaluation command", 0), 0u);
  EXPECT_EQ(err("eval instant at 1x a\n").rfind("1: invalid evaluation time", 0), 0u);
  EXPECT_EQ(err("eval instant at 1m sum(\n").rfind("1: 1:5: parse error", 0), 0u);
  EXPECT_EQ(err("eval instant at 1m\n"), "1: missing expression");
  EXPECT_EQ(err("eval instant at 1m a\n  a 1 2\n"),
            "2: an instant evaluation expects exactly one value per series");
  EXPECT_EQ(err("eval instant at 1m a\n  a _\n"),
            "2: an instant evaluation expects exactly one value per series");
  EXPECT_EQ(err("clear now\n"), "1: clear takes no arguments");
}

RunReport RunText(const char* text) {
  auto s = ParseScript(text);
  EXPECT_TRUE(s.ok()) << s.error().message();
  if (!s.ok()) return {};
  return RunScript(*s);
}

std::string Messages(const RunReport& r) {
  std::string out;
  for (const Failure& f : r.failures) out += std::to_string(f.line) + ": " + f.message + "\n";
  return out;
}

TEST(Runner, PassesCorrectExpectations) {
  RunReport r = RunText(R"(load 1m
  m{a="1"} 0+1x10
  m{a="2"} 10-1x10 stale

eval instant at 5m m
  m{a="2"} 5
  m{a="1"} 5

eval instant at 11m m
  m{a="1"} 10

eval instant at 5m sum(m)
  {} 10

eval instant at 5m scalar(m{a="1"})
  5

eval_ordered instant at 3m sort_desc(m)
  m{a="2"} 7
  m{a="1"} 3

eval_fail instant at 5m m + on() m

eval instant at 5m time()
  300

eval instant at 100m m

clear

eval instant at 5m m
)");
  EXPECT_EQ(r.passed, 9) << Messages(r);
  EXPECT_EQ(r.failed, 0) << Messages(r);
}

TEST(Runner, ReportsEachKindOfFailureAtItsLine) {
  RunReport r = RunText(R"(load 1m
  m{a="1"} 0+1x10
  m{a="2"} 10-1x10

eval instant at 5m m{a="1"}
  m{a="1"} 6

eval instant at 5m m
  m{a="1"} 5

eval instant at 5m m{a="1"}
  m{a="1"} 5
  m{a="3"} 1

eval_ordered instant at 3m sort(m)
  m{a="2"} 7
  m{a="1"} 3

eval_fail instant at 5m m

eval instant at 5m m + on() m

eval instant at 5m scalar(m{a="1"})
  m 5

eval instant at 5m sum(m)
  20
)");
  EXPECT_EQ(r.passed, 0);
  EXPECT_EQ(r.failed, 8);
  ASSERT_EQ(r.failures.size(), 8u);
  const std::string q = "query ";
  EXPECT_EQ(r.failures[0].line, 5);
  EXPECT_EQ(r.failures[0].message,
            "query m{a=\"1\"} at 300s: expected 6 for {__name__=\"m\", a=\"1\"} but got 5");
  EXPECT_EQ(r.failures[1].line, 8);
  EXPECT_EQ(r.failures[1].message,
            "query m at 300s: unexpected metric {__name__=\"m\", a=\"2\"} in result (value 5)");
  EXPECT_EQ(r.failures[2].line, 11);
  EXPECT_EQ(r.failures[2].message,
            "query m{a=\"1\"} at 300s: expected metric {__name__=\"m\", a=\"3\"} with 1 not found");
  EXPECT_EQ(r.failures[3].line, 15);
  EXPECT_NE(r.failures[3].message.find(
                "expected metric {__name__=\"m\", a=\"1\"} at position 2 but was at 1"),
            std::string::npos)
      << r.failures[3].message;
  EXPECT_EQ(r.failures[4].line, 19);
  EXPECT_EQ(r.failures[4].message, "expected error evaluating query m at 300s but got none");
  EXPECT_EQ(r.failures[5].line, 21);
  EXPECT_EQ(r.failures[5].message.rfind("error evaluating query m + on() m at 300s: ", 0), 0u)
      << r.failures[5].message;
  EXPECT_EQ(r.failures[6].line, 23);
  EXPECT_EQ(r.failures[6].message.rfind(q + "scalar(m{a=\"1\"}) at 300s: expected a vector", 0),
            0u);
  EXPECT_EQ(r.failures[7].line, 26);
  EXPECT_EQ(r.failures[7].message,
            "query sum(m) at 300s: expected scalar 20 but got a vector of 1 series");
}

TEST(Runner, ChecksRangeModeAsPrometheusDoes) {
  // @ end() reads at the range query's end (t+1m), so the range-mode point differs: 2.42's
  // runner fails such an eval, and eval_ordered (no range comparison) passes it.
  RunReport r = RunText(R"(load 1m
  m 0+1x10

eval instant at 5m m @ end()
  m 5

eval_ordered instant at 5m m @ end()
  m 5
)");
  EXPECT_EQ(r.passed, 1) << Messages(r);
  ASSERT_EQ(r.failed, 1);
  EXPECT_EQ(r.failures[0].message,
            "query m @ end() at 300s in range mode: expected 5 for {__name__=\"m\"} but got 6");
}

TEST(Runner, PinsSelectorsWithAtExceptForTimeDependentFunctions) {
  // The pinned variants run at -10t, 0, t/5, t and 10t: a selector without @ would see
  // nothing at most of them, so these pass only because every selector got `@ t`.
  RunReport r = RunText(R"(load 1m
  m 0+1x10

eval instant at 5m rate(m[2m]) + m
  {} 5.016666666666667

eval instant at 5m sum_over_time(m[3m:1m] offset 1m)
  {} 10

eval instant at 5m timestamp(m)
  {} 300

eval instant at 5m m - time() / 60
  {} 0
)");
  EXPECT_EQ(r.failed, 0) << Messages(r);
  EXPECT_EQ(r.passed, 4);

  RunOptions no_pinning;
  no_pinning.check_at_modifier = false;
  auto s = ParseScript("load 1m\n  m 1\n\neval instant at 0s m\n  m 1\n");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(RunScript(*s, no_pinning).passed, 1);
}

TEST(Runner, RefusesOutOfOrderAndDuplicateLoadsAndStops) {
  RunReport r = RunText(R"(load 1m
  m 1 2 3

load 1m
  m 5

eval instant at 1m m
  m 2
)");
  EXPECT_EQ(r.passed, 0);
  ASSERT_EQ(r.failed, 1);
  EXPECT_EQ(r.failures[0].line, 4);
  EXPECT_EQ(r.failures[0].message, "load: out of order sample for {__name__=\"m\"} at 0s");

  r = RunText("load 1m\n  m 1\n\nload 1m\n  m 2\n\neval instant at 0s m\n  m 1\n");
  ASSERT_EQ(r.failed, 1);
  EXPECT_EQ(r.failures[0].message, "load: duplicate sample for timestamp 0s of {__name__=\"m\"}");

  // The same value again at the same time is accepted, and later loads may extend a series.
  r = RunText("load 1m\n  m 1\n\nload 1m\n  m 1 2\n\neval instant at 1m m\n  m 2\n");
  EXPECT_EQ(r.failed, 0) << Messages(r);
  EXPECT_EQ(r.passed, 1);
}

TEST(Runner, UsesTheTestEngineLimits) {
  // Prometheus's test engine holds at most 10000 samples.
  RunReport r = RunText(R"(load 1s
  m 0+1x20000

eval_fail instant at 5h sum_over_time(m[5h:1s])

eval instant at 5h sum_over_time(m[1m])
  {} 1096170
)");
  EXPECT_EQ(r.failed, 0) << Messages(r);
}

}  // namespace
}  // namespace tsdbd::promql::testscript
