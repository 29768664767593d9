#include "lib/metrics/registry.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace tsdbd::metrics {
namespace {

// Golden strings follow what Prometheus 2.42's own /metrics (Go client) writes, e.g.
//   prometheus_http_request_duration_seconds_bucket{handler="/metrics",le="0.1"} 1
//   process_virtual_memory_max_bytes 1.8446744073709552e+19

TEST(RegistryTest, EmptyRegistryWritesNothing) {
  Registry r;
  EXPECT_EQ(r.WriteText(), "");
}

TEST(RegistryTest, Counter) {
  Registry r;
  Counter& c = r.AddCounter("tsdbd_requests_total", "Requests served.");
  c.Inc();
  c.Add(2);
  EXPECT_EQ(r.WriteText(),
            "# HELP tsdbd_requests_total Requests served.\n"
            "# TYPE tsdbd_requests_total counter\n"
            "tsdbd_requests_total 3\n");
}

TEST(RegistryTest, GaugeValuesUseGoFloatFormatting) {
  Registry r;
  Gauge& g = r.AddGauge("g", "A gauge.");
  auto text = [&](double v) {
    g.Set(v);
    std::string s = r.WriteText();
    return s.substr(s.rfind('\n', s.size() - 2) + 1);
  };
  EXPECT_EQ(text(0), "g 0\n");
  EXPECT_EQ(text(-0.0), "g 0\n");  // the Go client writes every zero as "0"
  EXPECT_EQ(text(1), "g 1\n");
  EXPECT_EQ(text(-1), "g -1\n");
  EXPECT_EQ(text(1e6), "g 1e+06\n");
  EXPECT_EQ(text(4.3270144e+07), "g 4.3270144e+07\n");
  EXPECT_EQ(text(123456.7), "g 123456.7\n");
  EXPECT_EQ(text(0.000151283), "g 0.000151283\n");
  EXPECT_EQ(text(8.8575e-05), "g 8.8575e-05\n");
  EXPECT_EQ(text(std::numeric_limits<double>::infinity()), "g +Inf\n");
  EXPECT_EQ(text(-std::numeric_limits<double>::infinity()), "g -Inf\n");
  EXPECT_EQ(text(std::numeric_limits<double>::quiet_NaN()), "g NaN\n");
  EXPECT_EQ(text(18446744073709551615.0), "g 1.8446744073709552e+19\n");
}

TEST(RegistryTest, HistogramWithDefaultBuckets) {
  Registry r;
  Histogram& h = r.AddHistogram("req_seconds", "Latency.");
  h.Observe(0.005);
  h.Observe(0.3);
  h.Observe(0.3);
  h.Observe(100);
  EXPECT_EQ(r.WriteText(),
            "# HELP req_seconds Latency.\n"
            "# TYPE req_seconds histogram\n"
            "req_seconds_bucket{le=\"0.005\"} 1\n"
            "req_seconds_bucket{le=\"0.01\"} 1\n"
            "req_seconds_bucket{le=\"0.025\"} 1\n"
            "req_seconds_bucket{le=\"0.05\"} 1\n"
            "req_seconds_bucket{le=\"0.1\"} 1\n"
            "req_seconds_bucket{le=\"0.25\"} 1\n"
            "req_seconds_bucket{le=\"0.5\"} 3\n"
            "req_seconds_bucket{le=\"1\"} 3\n"
            "req_seconds_bucket{le=\"2.5\"} 3\n"
            "req_seconds_bucket{le=\"5\"} 3\n"
            "req_seconds_bucket{le=\"10\"} 3\n"
            "req_seconds_bucket{le=\"+Inf\"} 4\n"
            "req_seconds_sum 100.605\n"
            "req_seconds_count 4\n");
}

TEST(RegistryTest, HistogramFamilyPutsLeLastAndFormatsLargeBounds) {
  Registry r;
  HistogramFamily& f = r.AddHistogramFamily("size_bytes", "Sizes.", {"handler"}, {0, 1e6, 1e7});
  f.WithLabelValues({"/metrics"}).Observe(2e6);
  EXPECT_EQ(r.WriteText(),
            "# HELP size_bytes Sizes.\n"
            "# TYPE size_bytes histogram\n"
            "size_bytes_bucket{handler=\"/metrics\",le=\"0\"} 0\n"
            "size_bytes_bucket{handler=\"/metrics\",le=\"1e+06\"} 0\n"
            "size_bytes_bucket{handler=\"/metrics\",le=\"1e+07\"} 1\n"
            "size_bytes_bucket{handler=\"/metrics\",le=\"+Inf\"} 1\n"
            "size_bytes_sum{handler=\"/metrics\"} 2e+06\n"
            "size_bytes_count{handler=\"/metrics\"} 1\n");
}

TEST(RegistryTest, HistogramCountsAboveAMillionUseExponentForm) {
  // The Go client writes bucket counts as floats too.
  Registry r;
  Histogram& h = r.AddHistogram("h", "H.", {1});
  for (int i = 0; i < 1'000'000; ++i) h.Observe(0.5);
  std::string text = r.WriteText();
  EXPECT_NE(text.find("h_bucket{le=\"1\"} 1e+06\n"), std::string::npos) << text;
  EXPECT_NE(text.find("h_count 1e+06\n"), std::string::npos) << text;
  EXPECT_NE(text.find("h_sum 500000\n"), std::string::npos) << text;
}

TEST(RegistryTest, FamiliesSortedByNameChildrenByLabelValues) {
  Registry r;
  CounterFamily& req = r.AddCounterFamily("http_requests_total", "Requests.", {"path", "code"});
  r.AddGauge("a_gauge", "First.").Set(1);
  r.AddGauge("zz_last", "Last.").Set(2);
  req.WithLabelValues({"/b", "200"}).Inc();
  req.WithLabelValues({"/a", "500"}).Add(2);
  req.WithLabelValues({"/a", "200"}).Add(3);
  req.WithLabelValues({"/c", "200"}).Add(4);
  // Label names are written sorted (code before path); children sorted by values in that
  // order: by code, then by path.
  EXPECT_EQ(r.WriteText(),
            "# HELP a_gauge First.\n"
            "# TYPE a_gauge gauge\n"
            "a_gauge 1\n"
            "# HELP http_requests_total Requests.\n"
            "# TYPE http_requests_total counter\n"
            "http_requests_total{code=\"200\",path=\"/a\"} 3\n"
            "http_requests_total{code=\"200\",path=\"/b\"} 1\n"
            "http_requests_total{code=\"200\",path=\"/c\"} 4\n"
            "http_requests_total{code=\"500\",path=\"/a\"} 2\n"
            "# HELP zz_last Last.\n"
            "# TYPE zz_last gauge\n"
            "zz_last 2\n");
}

TEST(RegistryTest, WithLabelValuesReturnsTheSameChild) {
  Registry r;
  GaugeFamily& f = r.AddGaugeFamily("g", "G.", {"a", "b"});
  Gauge& x = f.WithLabelValues({"1", "2"});
  Gauge& y = f.WithLabelValues({"1", "2"});
  Gauge& z = f.WithLabelValues({"12", ""});  // same concatenation, another child
  EXPECT_EQ(&x, &y);
  EXPECT_NE(&x, &z);
  EXPECT_EQ(f.size(), 2u);
  std::string_view values[] = {"1", "2"};
  EXPECT_EQ(&f.WithLabelValues(std::span<const std::string_view>(values)), &x);
}

TEST(RegistryTest, LabelledFamilyWithoutChildrenIsNotWritten) {
  Registry r;
  r.AddCounterFamily("c", "C.", {"x"});
  EXPECT_EQ(r.WriteText(), "");
}

TEST(RegistryTest, RemoveDeletesAChild) {
  Registry r;
  CounterFamily& f = r.AddCounterFamily("c", "C.", {"x"});
  f.WithLabelValues({"a"}).Add(5);
  f.WithLabelValues({"b"}).Add(1);
  EXPECT_TRUE(f.Remove({"a"}));
  EXPECT_FALSE(f.Remove({"a"}));
  EXPECT_FALSE(f.Remove({"never"}));
  EXPECT_EQ(r.WriteText(),
            "# HELP c C.\n"
            "# TYPE c counter\n"
            "c{x=\"b\"} 1\n");
  EXPECT_EQ(f.WithLabelValues({"a"}).Value(), 0);  // a new child starts from zero
}

TEST(RegistryTest, EscapesHelpAndLabelValues) {
  Registry r;
  GaugeFamily& f = r.AddGaugeFamily("e", "Back\\slash and\nnewline \"quoted\".", {"v"});
  f.WithLabelValues({"a\\b\"c\nd"}).Set(1);
  EXPECT_EQ(r.WriteText(),
            "# HELP e Back\\\\slash and\\nnewline \"quoted\".\n"
            "# TYPE e gauge\n"
            "e{v=\"a\\\\b\\\"c\\nd\"} 1\n");
}

TEST(RegistryTest, EmptyLabelValueIsWritten) {
  Registry r;
  r.AddGaugeFamily("g", "G.", {"v"}).WithLabelValues({""}).Set(1);
  EXPECT_EQ(r.WriteText(), "# HELP g G.\n# TYPE g gauge\ng{v=\"\"} 1\n");
}

TEST(RegistryTest, FuncMetricsAreReadAtScrapeAndUnregisteredWithTheirHandle) {
  Registry r;
  double series = 7;
  {
    Registration g = r.AddGaugeFunc("head_series", "Series.", [&] { return series; });
    Registration c = r.AddCounterFunc("x_total", "X.", [] { return 1e21; });
    EXPECT_EQ(r.WriteText(),
              "# HELP head_series Series.\n"
              "# TYPE head_series gauge\n"
              "head_series 7\n"
              "# HELP x_total X.\n"
              "# TYPE x_total counter\n"
              "x_total 1e+21\n");
    series = 8;
    EXPECT_NE(r.WriteText().find("head_series 8\n"), std::string::npos);
    c.Reset();
    EXPECT_EQ(r.WriteText().find("x_total"), std::string::npos);
  }
  EXPECT_EQ(r.WriteText(), "");
  // The name is free again.
  Registration again = r.AddGaugeFunc("head_series", "Series.", [] { return 1.0; });
  EXPECT_EQ(r.WriteText(), "# HELP head_series Series.\n# TYPE head_series gauge\nhead_series 1\n");
}

TEST(RegistryTest, RegistrationMoves) {
  Registry r;
  Registration a = r.AddGaugeFunc("g", "G.", [] { return 1.0; });
  Registration b = std::move(a);
  a.Reset();  // moved-from: does nothing
  EXPECT_NE(r.WriteText(), "");
  Registration c;
  c = std::move(b);
  EXPECT_NE(r.WriteText(), "");
  c = Registration();
  EXPECT_EQ(r.WriteText(), "");
}

TEST(RegistryTest, CollectorFamiliesMergeInNameOrder) {
  Registry r;
  r.AddGauge("b_static", "B.").Set(1);
  int calls = 0;
  Registration reg = r.AddCollector({"a_collected", "c_collected"}, [&](CollectorWriter& w) {
    ++calls;
    w.BeginFamily("c_collected", "C.", MetricType::kGauge);
    w.AddSample({{"z", "1"}, {"a", "2"}}, 5);
    w.AddSample({{"z", "0"}, {"a", "2"}}, 4);
    w.AddSample({{"z", "9"}, {"a", "1"}}, 3);
    w.AddCounter("a_collected", "A.", 2);
  });
  EXPECT_EQ(r.WriteText(),
            "# HELP a_collected A.\n"
            "# TYPE a_collected counter\n"
            "a_collected 2\n"
            "# HELP b_static B.\n"
            "# TYPE b_static gauge\n"
            "b_static 1\n"
            "# HELP c_collected C.\n"
            "# TYPE c_collected gauge\n"
            "c_collected{a=\"1\",z=\"9\"} 3\n"
            "c_collected{a=\"2\",z=\"0\"} 4\n"
            "c_collected{a=\"2\",z=\"1\"} 5\n");
  EXPECT_EQ(calls, 1);
  reg.Reset();
  EXPECT_EQ(r.WriteText(), "# HELP b_static B.\n# TYPE b_static gauge\nb_static 1\n");
  EXPECT_EQ(calls, 1);
}

TEST(RegistryTest, CollectorFamilyWithoutSamplesIsNotWritten) {
  Registry r;
  Registration reg = r.AddCollector(
      {"empty"}, [](CollectorWriter& w) { w.BeginFamily("empty", "E.", MetricType::kUntyped); });
  EXPECT_EQ(r.WriteText(), "");
}

TEST(RegistryTest, UntypedCollectorFamily) {
  Registry r;
  Registration reg = r.AddCollector({"u"}, [](CollectorWriter& w) {
    w.BeginFamily("u", "U.", MetricType::kUntyped);
    w.AddSample(1.5);
  });
  EXPECT_EQ(r.WriteText(), "# HELP u U.\n# TYPE u untyped\nu 1.5\n");
}

TEST(RegistryTest, DefaultRegistryHoldsTheProcessCollector) {
  Registry& r = DefaultRegistry();
  EXPECT_EQ(&r, &DefaultRegistry());
  std::string text = r.WriteText();
  EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("\nprocess_open_fds "), std::string::npos);
}

// Programming errors abort with a message naming the problem.
using RegistryDeathTest = ::testing::Test;

TEST(RegistryDeathTest, DuplicateName) {
  Registry r;
  r.AddCounter("dup", "D.");
  EXPECT_DEATH(r.AddGauge("dup", "D."), "duplicate metric name \"dup\"");
  EXPECT_DEATH((void)r.AddGaugeFunc("dup", "D.", [] { return 0.0; }), "duplicate metric name");
  EXPECT_DEATH((void)r.AddCollector({"x", "dup"}, [](CollectorWriter&) {}),
               "duplicate metric name");
  EXPECT_DEATH((void)r.AddCollector({"y", "y"}, [](CollectorWriter&) {}),
               "duplicate metric name \"y\"");
  Registration c = r.AddCollector({"coll"}, [](CollectorWriter&) {});
  EXPECT_DEATH(r.AddCounter("coll", "C."), "duplicate metric name \"coll\"");
}

TEST(RegistryDeathTest, InvalidNames) {
  Registry r;
  EXPECT_DEATH(r.AddCounter("9bad", "B."), "invalid metric name \"9bad\"");
  EXPECT_DEATH(r.AddCounter("", "B."), "invalid metric name");
  EXPECT_DEATH(r.AddCounterFamily("c", "C.", {"__reserved"}), "invalid label name");
  EXPECT_DEATH(r.AddCounterFamily("c", "C.", {"a-b"}), "invalid label name \"a-b\"");
  EXPECT_DEATH(r.AddCounterFamily("c", "C.", {"a", "a"}), "duplicate label name \"a\"");
  EXPECT_DEATH(r.AddHistogramFamily("h", "H.", {"le"}), "invalid label name \"le\"");
  EXPECT_DEATH(r.AddHistogram("h", "H.", {2, 1}), "buckets must be increasing");
  // A gauge may well have an "le" label.
  r.AddGaugeFamily("g", "G.", {"le"}).WithLabelValues({"1"}).Set(1);
}

TEST(RegistryDeathTest, WrongNumberOfLabelValues) {
  Registry r;
  CounterFamily& f = r.AddCounterFamily("c", "C.", {"a", "b"});
  EXPECT_DEATH(f.WithLabelValues({"x"}), "c: 1 label values for 2 label names");
  EXPECT_DEATH(f.WithLabelValues({"x", "y", "z"}), "3 label values for 2 label names");
  EXPECT_DEATH(f.Remove({"x"}), "1 label values for 2 label names");
}

TEST(RegistryDeathTest, CollectorMisuse) {
  Registry r;
  Registration a =
      r.AddCollector({"declared"}, [](CollectorWriter& w) { w.AddGauge("undeclared", "U.", 1); });
  EXPECT_DEATH(r.WriteText(), "undeclared family undeclared");
  a.Reset();
  Registration b = r.AddCollector({"declared"}, [](CollectorWriter& w) { w.AddSample(1); });
  EXPECT_DEATH(r.WriteText(), "sample before BeginFamily");
  b.Reset();
  Registration c = r.AddCollector({"declared"}, [](CollectorWriter& w) {
    w.BeginFamily("declared", "D.", MetricType::kGauge);
    w.AddSample({{"bad-name", "v"}}, 1);
  });
  EXPECT_DEATH(r.WriteText(), "invalid label name bad-name");
}

}  // namespace
}  // namespace tsdbd::metrics
