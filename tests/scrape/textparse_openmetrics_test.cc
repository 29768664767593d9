// OpenMetrics 1.0 text: every construct, valid and invalid, with the line and reason of
// errors. The expectations of the odd cases were observed on Prometheus 2.42 (up 1 or 0).
#include <gtest/gtest.h>

#include "tests/scrape/textparse_test_util.h"

namespace tsdbd::scrape::textparse {
namespace {

using testing::ErrorOf;
using testing::ParseAll;
using testing::Parsed;

constexpr Format kOM = Format::kOpenMetrics;

TEST(OpenMetricsParserTest, FullBody) {
  const std::string body =
      "# HELP go_gc_duration_seconds A summary of the GC invocation durations.\n"
      "# TYPE go_gc_duration_seconds summary\n"
      "# UNIT go_gc_duration_seconds seconds\n"
      "go_gc_duration_seconds{quantile=\"0\"} 4.9351e-05\n"
      "go_gc_duration_seconds{quantile=\"1\"} 0.013300656\n"
      "go_gc_duration_seconds_count 14\n"
      "go_gc_duration_seconds_sum 0.050216 1520430000.123\n"
      "go_gc_duration_seconds_created 1520430000\n"
      "# HELP nohelp1 \n"
      "# HELP help2 escape \\\\ \\n \\\" x\n"
      "# TYPE foo histogram\n"
      "foo_bucket{le=\"0.01\"} 0\n"
      "foo_bucket{le=\"+Inf\"} 17 # {id=\"counter-test\"} 5\n"
      "foo_count 17\n"
      "foo_sum 324789.3\n"
      "# TYPE c counter\n"
      "c_total{a=\"b\"} 3 1.5 # {trace_id=\"KOO5S4vxi0o\",x=\"\"} 0.67 1520879607.789\n"
      "# TYPE s stateset\n"
      "s{s=\"a\"} 1\n"
      "# TYPE i info\n"
      "i_info{v=\"1\"} 1\n"
      "# TYPE gh gaugehistogram\n"
      "# TYPE u unknown\n"
      "u NaN\n"
      "# EOF\n";
  const Parsed p = ParseAll(body, kOM);
  ASSERT_EQ(p.error, "");
  ASSERT_EQ(p.records.size(), 24u);
  EXPECT_EQ(p.records[0].text, "A summary of the GC invocation durations.");
  EXPECT_EQ(p.records[1].text, "summary");
  EXPECT_EQ(p.records[2].entry, Entry::kUnit);
  EXPECT_EQ(p.records[2].text, "seconds");
  EXPECT_EQ(p.records[3].name, "{__name__=\"go_gc_duration_seconds\", quantile=\"0\"}");
  EXPECT_EQ(p.records[3].text, "4.9351000000000002e-05");
  EXPECT_EQ(p.records[6].timestamp, 1520430000123);
  // _created is a series of its own, as Prometheus 2.42 ingests it.
  EXPECT_EQ(p.records[7].name, "{__name__=\"go_gc_duration_seconds_created\"}");
  EXPECT_EQ(p.records[7].text, "1520430000");
  EXPECT_EQ(p.records[8].text, "");
  EXPECT_EQ(p.records[9].text, "escape \\ \n \" x");  // OpenMetrics HELP also unescapes \"
  EXPECT_EQ(p.records[10].text, "histogram");
  EXPECT_EQ(p.records[11].exemplar, "");
  EXPECT_EQ(p.records[12].exemplar, "{id=\"counter-test\"} 5");
  EXPECT_EQ(p.records[16].name, "{__name__=\"c_total\", a=\"b\"}");
  EXPECT_EQ(p.records[16].timestamp, 1500);
  // Float seconds * 1000, truncated as Go's int64() does.
  EXPECT_EQ(p.records[16].exemplar, "{trace_id=\"KOO5S4vxi0o\"} 0.67000000000000004 1520879607789");
  EXPECT_EQ(p.records[18].text, "1");
  EXPECT_EQ(p.records[20].name, "{__name__=\"i_info\", v=\"1\"}");
  EXPECT_EQ(p.records[21].text, "gaugehistogram");
  EXPECT_EQ(p.records[22].text, "unknown");
  EXPECT_EQ(p.records[23].text, "NaN");
  EXPECT_EQ(p.series, 13u);
}

TEST(OpenMetricsParserTest, AcceptedEdges) {
  EXPECT_EQ(ParseAll("# EOF", kOM).records.size(), 0u);
  EXPECT_EQ(ParseAll("# EOF\n", kOM).records.size(), 0u);
  EXPECT_EQ(ParseAll("foo 1\n# EOF", kOM).series, 1u);
  EXPECT_EQ(ParseAll("foo{} 1\n# EOF\n", kOM).records.at(0).name, "{__name__=\"foo\"}");
  EXPECT_EQ(ParseAll("foo 1 -1.5\n# EOF\n", kOM).records.at(0).timestamp, -1500);
  EXPECT_EQ(ParseAll("foo 1 1e300\n# EOF\n", kOM).records.at(0).timestamp, INT64_MIN);
  EXPECT_EQ(ParseAll("foo 1e300\nbar +Inf\nbaz -inf\n# EOF\n", kOM).series, 3u);
  EXPECT_EQ(ParseAll("foo{a=\"\\t\"} 1\n# EOF\n", kOM).records.at(0).name,
            "{__name__=\"foo\", a=\"\\\\t\"}");
  // Exemplars: on any *_total or *_bucket series, whatever the TYPE says; {} allowed;
  // no length limit here (Prometheus drops a too-long exemplar, the scrape stays up).
  EXPECT_EQ(ParseAll("# TYPE foo_total gauge\nfoo_total 1 # {a=\"b\"} 1\n# EOF\n", kOM).error, "");
  EXPECT_EQ(ParseAll("foo_bucket{le=\"1\"} 1 # {} 1\n# EOF\n", kOM).records.at(0).exemplar, "{} 1");
  EXPECT_EQ(ParseAll("x_total 1 # {a=\"" + std::string(300, 'x') + "\"} 1\n# EOF\n", kOM).error,
            "");
  EXPECT_EQ(ParseAll("x_total 1 # {a=\"1\",a=\"2\"} NaN\n# EOF\n", kOM).error, "");
  // Metadata: order and suffixes are not enforced (as in Prometheus 2.42).
  EXPECT_EQ(ParseAll("# TYPE foo counter\nfoo 1\n# TYPE foo counter\n# EOF\n", kOM).error, "");
  EXPECT_EQ(ParseAll("# UNIT _seconds seconds\n# UNIT foo \n# EOF\n", kOM).error, "");
  EXPECT_EQ(ParseAll("foo 1\nfoo 2\n# EOF\n", kOM).series, 2u);
}

TEST(OpenMetricsParserTest, Errors) {
  struct Case {
    std::string body;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"", "line 1: data does not end with # EOF"},
      {"foo 1\n", "line 2: data does not end with # EOF"},
      {"foo 1", "line 1: data does not end with # EOF"},
      {"foo 1 2", "line 1: data does not end with # EOF"},
      {"foo 1\n# EOF\n\n", "line 3: unexpected data after # EOF"},
      {"foo 1\n# EOF\r\n", "line 2: unexpected data after # EOF"},
      {"# EOF extra\n", "line 1: unexpected data after # EOF"},
      {"foo 1\n# EOF\nbar 1\n", "line 3: unexpected data after # EOF"},
      {"foo 1\n\n# EOF\n", "line 2: end of line is not a valid start of a line"},
      {"  foo 1\n# EOF\n", "line 1: \" \" is not a valid start of a line"},
      {"# comment\n# EOF\n",
       "line 1: comments other than # HELP, # TYPE, # UNIT and # EOF are not allowed"},
      {"#EOF\n", "line 1: comments other than # HELP, # TYPE, # UNIT and # EOF are not allowed"},
      {"foo  1\n# EOF\n", "line 1: expected a space and a value after \"foo\", got \" \""},
      {"foo\n# EOF\n", "line 1: expected a space and a value after \"foo\", got end of line"},
      {"foo 1 \n# EOF\n",
       "line 1: expected a space and a timestamp, an exemplar or end of line, got end of line"},
      {"foo\t1\n# EOF\n", "line 1: expected a space and a value after \"foo\", got \"\\t\""},
      {"foo {a=\"1\"} 1\n# EOF\n", "line 1: invalid value \"{a=\\\"1\\\"}\""},
      {"foo{a=\"1\",} 1\n# EOF\n", "line 1: expected label name after ',', got \"}\""},
      {"foo{,a=\"1\"} 1\n# EOF\n", "line 1: expected label name or '}', got \",a=\""},
      {"foo{a=\"1\" ,b=\"2\"} 1\n# EOF\n",
       "line 1: expected ',' or '}' after label value, got \" \""},
      {"foo{a=\"1\"b=\"2\"} 1\n# EOF\n",
       "line 1: expected ',' or '}' after label value, got \"b=\""},
      {"foo{a = \"1\"} 1\n# EOF\n", "line 1: expected '=' after label name \"a\", got \" \""},
      {"foo{a=\"x\ny\"} 1\n# EOF\n", "line 1: unterminated label value for \"a\""},
      {"foo{a=\"\xc3\x28\"} 1\n# EOF\n", "line 1: invalid UTF-8 in label value for \"a\""},
      {"foo 1 NaN\n# EOF\n", "line 1: invalid timestamp \"NaN\""},
      {"foo 1 +Inf\n# EOF\n", "line 1: invalid timestamp \"+Inf\""},
      {"foo 1 x\n# EOF\n", "line 1: invalid timestamp \"x\""},
      {"foo 1 1 2\n# EOF\n", "line 1: expected end of line or exemplar after timestamp, got \"2\""},
      {"foo 0x1p3\n# EOF\n", "line 1: unsupported character in float \"0x1p3\""},
      {"foo 1e999\n# EOF\n", "line 1: value \"1e999\" out of range"},
      {"# HELP foo\n# EOF\n",
       "line 1: expected a space and text after # HELP foo, got end of line"},
      {"# HELP foo \xff\n# EOF\n", "line 1: help text is not valid UTF-8"},
      {"# TYPE foo untyped\n# EOF\n", "line 1: invalid metric type \"untyped\""},
      {"# TYPE foo  counter\n# EOF\n", "line 1: invalid metric type \" counter\""},
      {"# TYPE foo\tcounter\n# EOF\n",
       "line 1: expected a space and text after # TYPE foo, got \"\\t\""},
      {"# TYPE 1foo counter\n# EOF\n", "line 1: expected metric name after TYPE, got \"1foo\""},
      {"# UNIT foo_bytes seconds\n# EOF\n",
       "line 1: unit \"seconds\" is not a suffix of metric \"foo_bytes\""},
      {"# UNIT seconds seconds\n# EOF\n",
       "line 1: unit \"seconds\" is not a suffix of metric \"seconds\""},
      {"# UNIT fooseconds seconds\n# EOF\n",
       "line 1: unit \"seconds\" is not a suffix of metric \"fooseconds\""},
      {"# HELP foo x", "line 1: # HELP line does not end with a line break"},
      {"foo{a=\"1\",a=\"2\"} 1\n# EOF\n",
       "line 1: label name \"a\" is not unique in \"foo{a=\\\"1\\\",a=\\\"2\\\"}\""},
      // Exemplars.
      {"foo 1 # {a=\"b\"} 1\n# EOF\n", "line 1: metric name foo does not support exemplars"},
      {"foo_count 1 # {} 1\n# EOF\n", "line 1: metric name foo_count does not support exemplars"},
      {"foo_created 1 # {} 1\n# EOF\n",
       "line 1: metric name foo_created does not support exemplars"},
      {"foo_total 1 # {a=\"b\"}  1\n# EOF\n",
       "line 1: expected a space and a value after exemplar labels, got \" \""},
      {"foo_total 1 # {a=\"b\"}1\n# EOF\n",
       "line 1: expected a space and a value after exemplar labels, got \"1\""},
      {"foo_total 1 #{a=\"b\"} 1\n# EOF\n", "line 1: invalid timestamp \"#{a=\\\"b\\\"}\""},
      {"foo_total 1 # {a=\"b\",} 1\n# EOF\n", "line 1: expected label name after ',', got \"}\""},
      {"foo_total 1 # {a=\"b\"} 1 Inf\n# EOF\n", "line 1: invalid exemplar timestamp \"Inf\""},
      {"foo_total 1 # {a=\"b\"} 1 1 x\n# EOF\n",
       "line 1: expected end of line after exemplar, got \"x\""},
      {"foo_total 1 # {a=\"b\"} x\n# EOF\n", "line 1: invalid exemplar value \"x\""},
      {"foo_bucket 1 # {} 1 # {} 1\n# EOF\n", "line 1: invalid exemplar timestamp \"#\""},
      {"foo_total 1 # {} 1", "line 1: data does not end with # EOF"},
  };
  for (const Case& c : cases) EXPECT_EQ(ErrorOf(c.body, kOM), c.error) << c.body;
}

TEST(OpenMetricsParserTest, ContentTypeChoosesTheParser) {
  EXPECT_EQ(FormatForContentType("application/openmetrics-text; version=1.0.0; charset=utf-8"),
            Format::kOpenMetrics);
  EXPECT_EQ(FormatForContentType("application/openmetrics-text;version=0.0.1"),
            Format::kOpenMetrics);
  EXPECT_EQ(FormatForContentType("Application/OpenMetrics-Text"), Format::kOpenMetrics);
  EXPECT_EQ(FormatForContentType(" application/openmetrics-text ; version=\"1.0.0\""),
            Format::kOpenMetrics);
  EXPECT_EQ(FormatForContentType("text/plain; version=0.0.4; charset=utf-8"),
            Format::kPrometheusText);
  EXPECT_EQ(FormatForContentType(""), Format::kPrometheusText);
  EXPECT_EQ(FormatForContentType("application/json"), Format::kPrometheusText);
  // A header Go's mime.ParseMediaType rejects makes Prometheus fall back to text.
  EXPECT_EQ(FormatForContentType("application/openmetrics-text; version"), Format::kPrometheusText);
  EXPECT_EQ(FormatForContentType("application/openmetrics-text; =1"), Format::kPrometheusText);
  EXPECT_EQ(Parser::New("foo 1\n", "text/plain")->format(), Format::kPrometheusText);
  EXPECT_EQ(Parser::New("foo 1\n", "application/openmetrics-text")->format(), Format::kOpenMetrics);
  EXPECT_EQ(kScrapeAcceptHeader,
            "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
            "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1");
}

}  // namespace
}  // namespace tsdbd::scrape::textparse
