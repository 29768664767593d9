// Text format 0.0.4: every construct, valid and invalid, with the line and reason of errors.
// The expectations of the odd cases were observed on Prometheus 2.42 (up 1 or 0).
#include <gtest/gtest.h>

#include "tests/scrape/textparse_test_util.h"

namespace tsdbd::scrape::textparse {
namespace {

using testing::ErrorOf;
using testing::ParseAll;
using testing::Parsed;

constexpr Format kText = Format::kPrometheusText;

TEST(TextParserTest, FullBody) {
  const std::string body =
      "# HELP http_requests_total The total number of HTTP requests.\n"
      "# TYPE http_requests_total counter\n"
      "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
      "http_requests_total{method=\"post\",code=\"400\"}    3 1395066363000\n"
      "\n"
      "# Escaping in label values:\n"
      "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find "
      "file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\n"
      "\n"
      "# Minimalistic line:\n"
      "metric_without_timestamp_and_labels 12.47\n"
      "\n"
      "# A weird metric from before the epoch:\n"
      "something_weird{problem=\"division by zero\"} +Inf -3982045\n";
  // The last line's negative timestamp is invalid in Prometheus 2.42 (digits only).
  EXPECT_EQ(ErrorOf(body, kText), "line 13: expected timestamp or end of line, got \"-3982045\"");

  const Parsed p = ParseAll(body.substr(0, body.find("something_weird")), kText);
  ASSERT_EQ(p.error, "");
  ASSERT_EQ(p.records.size(), 9u);
  EXPECT_EQ(p.records[0].entry, Entry::kHelp);
  EXPECT_EQ(p.records[0].name, "http_requests_total");
  EXPECT_EQ(p.records[0].text, "The total number of HTTP requests.");
  EXPECT_EQ(p.records[1].entry, Entry::kType);
  EXPECT_EQ(p.records[1].text, "counter");
  EXPECT_EQ(p.records[2].entry, Entry::kSeries);
  EXPECT_EQ(p.records[2].name, "{__name__=\"http_requests_total\", code=\"200\", method=\"post\"}");
  EXPECT_EQ(p.records[2].text, "1027");
  EXPECT_EQ(p.records[2].timestamp, 1395066363000);
  EXPECT_EQ(p.records[3].text, "3");
  EXPECT_EQ(p.records[4].entry, Entry::kComment);
  EXPECT_EQ(p.records[4].text, "# Escaping in label values:");
  EXPECT_EQ(p.records[5].name,
            "{__name__=\"msdos_file_access_time_seconds\", error=\"Cannot find "
            "file:\\n\\\"FILE.TXT\\\"\", path=\"C:\\\\DIR\\\\FILE.TXT\"}");
  EXPECT_EQ(p.records[5].text, "1458255915");
  EXPECT_EQ(p.records[7].name, "{__name__=\"metric_without_timestamp_and_labels\"}");
  EXPECT_EQ(p.records[7].timestamp, std::nullopt);
  EXPECT_EQ(p.series, 4u);
}

TEST(TextParserTest, SeriesTextAndAccessors) {
  const std::string body = "foo { a = \"1\" , b=\"x\\\"y\", }\t2.5\t 17 \t\nbar 1";
  auto p = Parser::New(body, kText);
  ASSERT_EQ(p->format(), kText);
  auto e = p->Next();
  ASSERT_TRUE(e.ok()) << e.error().message();
  ASSERT_EQ(*e, Entry::kSeries);
  EXPECT_EQ(p->Series(), "foo { a = \"1\" , b=\"x\\\"y\", }");
  EXPECT_EQ(p->MetricName(), "foo");
  EXPECT_EQ(p->Value(), 2.5);
  EXPECT_EQ(p->Timestamp(), 17);
  LabelsBuilder b;
  p->BuildLabels(b);
  EXPECT_EQ(b.Build().ToString(), "{__name__=\"foo\", a=\"1\", b=\"x\\\"y\"}");
  Exemplar ex;
  EXPECT_FALSE(p->Exemplar(&ex));
  e = p->Next();  // a last line without a line break
  ASSERT_TRUE(e.ok()) << e.error().message();
  EXPECT_EQ(p->Series(), "bar");
  EXPECT_EQ(p->Timestamp(), std::nullopt);
  e = p->Next();
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(*e, Entry::kEOF);
}

TEST(TextParserTest, PrometheusLeniencies) {
  // All accepted by Prometheus 2.42.
  EXPECT_EQ(ParseAll("foo{a=\"1\" b=\"2\"} 1\n", kText).records.at(0).name,
            "{__name__=\"foo\", a=\"1\", b=\"2\"}");
  EXPECT_EQ(ParseAll("foo{a=\"1\",} 1\n", kText).error, "");
  EXPECT_EQ(ParseAll("foo{} 1\n", kText).records.at(0).name, "{__name__=\"foo\"}");
  EXPECT_EQ(ParseAll("foo{a=\"x\ny\"} 1\n", kText).records.at(0).name,
            "{__name__=\"foo\", a=\"x\\ny\"}");
  EXPECT_EQ(ParseAll("foo{a=\"1\"}1\n", kText).records.at(0).text, "1");
  EXPECT_EQ(ParseAll("foo 1 1 \n", kText).records.at(0).timestamp, 1);
  EXPECT_EQ(ParseAll("foo 1\n\n\n  \t\nbar 2\n", kText).series, 2u);
  EXPECT_EQ(ParseAll("  # HELP foo x\n\t# TYPE foo counter\n # c\nfoo 1\n", kText).records.size(),
            4u);
  // Empty values mean no label, so a repeat with an empty value is no duplicate.
  EXPECT_EQ(ParseAll("foo{a=\"1\",a=\"\"} 1\n", kText).records.at(0).name,
            "{__name__=\"foo\", a=\"1\"}");
  EXPECT_EQ(ParseAll("foo{a=\"\",a=\"1\"} 1\n", kText).records.at(0).name,
            "{__name__=\"foo\", a=\"1\"}");
  // Unknown escapes stay as written.
  EXPECT_EQ(ParseAll("foo{a=\"\\t\"} 1\n", kText).records.at(0).name,
            "{__name__=\"foo\", a=\"\\\\t\"}");
  // Duplicate series are the appender's business, not a parse error.
  EXPECT_EQ(ParseAll("foo 1\nfoo 2\n", kText).series, 2u);
  // A NUL where a line starts ends the body, as Prometheus's lexer reads it.
  EXPECT_EQ(ParseAll(std::string("foo 1\n\0bar\n", 11), kText).series, 1u);
  EXPECT_EQ(ParseAll(std::string("foo 1\n# x\0y\nbar 1\n", 18), kText).series, 1u);
  EXPECT_EQ(ParseAll("", kText).records.size(), 0u);
  EXPECT_EQ(ParseAll("# EOF\n", kText).records.at(0).entry, Entry::kComment);
}

TEST(TextParserTest, Values) {
  struct Case {
    const char* text;
    double want;
  };
  const double inf = std::numeric_limits<double>::infinity();
  for (const Case& c :
       std::initializer_list<Case>{{"0", 0},
                                   {"-0", -0.0},
                                   {"12.47", 12.47},
                                   {".5", 0.5},
                                   {"5.", 5},
                                   {"1.e3", 1000},
                                   {"1E+05", 1e5},
                                   {"-1e-3", -1e-3},
                                   {"+3", 3},
                                   {"+Inf", inf},
                                   {"-Inf", -inf},
                                   {"Inf", inf},
                                   {"inf", inf},
                                   {"infinity", inf},
                                   {"-INFINITY", -inf},
                                   {"1e-400", 0},
                                   {"007", 7},
                                   {"18446744073709551616", 18446744073709551616.0},
                                   {"4.9406564584124654e-324", 4.9406564584124654e-324}}) {
    const Parsed p = ParseAll(std::string("foo ") + c.text + "\n", kText);
    ASSERT_EQ(p.error, "") << c.text;
    EXPECT_EQ(p.records.at(0).text, testing::FormatValue(c.want)) << c.text;
  }
  for (const char* nan : {"NaN", "nan", "nAN"}) {
    EXPECT_EQ(ParseAll(std::string("foo ") + nan + "\n", kText).records.at(0).text, "NaN");
  }
}

TEST(TextParserTest, Metadata) {
  Parsed p = ParseAll(
      "# HELP foo a \\\\ b \\n c \\\" d\n"
      "#\tHELP\tbar\t\n"
      "# HELP baz\n"
      "# TYPE a counter\n# TYPE b gauge\n# TYPE c histogram\n# TYPE d summary\n"
      "# TYPE e untyped\n"
      "#HELP x y\n"
      "# HELP\n"
      "#\n"
      "# HELPER x\n",
      kText);
  ASSERT_EQ(p.error, "");
  ASSERT_EQ(p.records.size(), 12u);
  EXPECT_EQ(p.records[0].text, "a \\ b \n c \\\" d");  // \" is no escape in text HELP
  EXPECT_EQ(p.records[1].name, "bar");
  EXPECT_EQ(p.records[1].text, "");
  EXPECT_EQ(p.records[2].entry, Entry::kHelp);
  EXPECT_EQ(p.records[2].text, "");
  EXPECT_EQ(p.records[3].text, "counter");
  EXPECT_EQ(p.records[4].text, "gauge");
  EXPECT_EQ(p.records[5].text, "histogram");
  EXPECT_EQ(p.records[6].text, "summary");
  EXPECT_EQ(p.records[7].text, "unknown");
  for (size_t i = 8; i < 12; ++i) EXPECT_EQ(p.records[i].entry, Entry::kComment) << i;
  EXPECT_EQ(p.records[8].text, "#HELP x y");
}

TEST(TextParserTest, Errors) {
  struct Case {
    std::string body;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"foo 1\nfoo{a=\"1\",a=\"2\"} 1\n",
       "line 2: label name \"a\" is not unique in \"foo{a=\\\"1\\\",a=\\\"2\\\"}\""},
      {"foo{__name__=\"foo\"} 1\n",
       "line 1: label name \"__name__\" is not unique in \"foo{__name__=\\\"foo\\\"}\""},
      {"foo 1\n\nbar\n", "line 3: expected value after metric \"bar\", got end of line"},
      {"bar", "line 1: expected value after metric \"bar\", got end of input"},
      {"bar{a=\"1\"}",
       "line 1: expected value after metric \"bar{a=\\\"1\\\"}\", got end of input"},
      {"foo 1 -5\n", "line 1: expected timestamp or end of line, got \"-5\""},
      {"foo 1 1.5\n", "line 1: expected end of line after timestamp, got \".5\""},
      {"foo 1 2 3\n", "line 1: expected end of line after timestamp, got \"3\""},
      {"foo 1 9223372036854775808\n", "line 1: timestamp \"9223372036854775808\" out of range"},
      {"foo 0x1p3\n", "line 1: unsupported character in float \"0x1p3\""},
      {"foo 1_0\n", "line 1: unsupported character in float \"1_0\""},
      {"foo 0x10\n", "line 1: invalid value \"0x10\""},
      {"foo 1e400\n", "line 1: value \"1e400\" out of range"},
      {"foo +nan\n", "line 1: invalid value \"+nan\""},
      {"foo infin\n", "line 1: invalid value \"infin\""},
      {"foo 1\r\n", "line 1: invalid value \"1\\r\""},
      {"foo 1e\n", "line 1: invalid value \"1e\""},
      {"foo .\n", "line 1: invalid value \".\""},
      {"foo{a=\"\xff\"} 1\n", "line 1: invalid UTF-8 in label value for \"a\""},
      {"# HELP foo \xff\n", "line 1: help text is not valid UTF-8"},
      {"\n# TYPE foo  counter\n", "line 2: invalid metric type \" counter\""},
      {"# TYPE foo counter \n", "line 1: invalid metric type \"counter \""},
      {"# TYPE foo\n", "line 1: invalid metric type \"\""},
      {"#  TYPE x y\n", "line 1: invalid metric type \"y\""},
      {"# TYPE foo Counter\n", "line 1: invalid metric type \"Counter\""},
      {"# TYPE foo info\n", "line 1: invalid metric type \"info\""},
      {"# HELP 0foo x\n", "line 1: expected metric name after HELP, got \"0foo\""},
      {"# TYPE  \n", "line 1: expected metric name after TYPE, got end of line"},
      {"0foo 1\n", "line 1: \"0foo\" is not a valid start of a line"},
      {"{a=\"1\"} 1\n", "line 1: \"{a=\" is not a valid start of a line"},
      {"foo{0a=\"1\"} 1\n", "line 1: expected label name or '}', got \"0a=\""},
      {"foo{a.b=\"1\"} 1\n", "line 1: expected '=' after label name \"a\", got \".b=\""},
      {"foo{a=1} 1\n", "line 1: expected quoted label value for \"a\", got \"1}\""},
      {"foo{a=\"1\"\n", "line 1: expected label name or '}', got end of line"},
      {"foo{a=\"1\\\n\"} 1\n",
       "line 1: invalid escape at the end of a line in label value for \"a\""},
      {"a 1\nfoo{a=\"1\n", "line 2: unterminated label value for \"a\""},
      {"foo{a=\"1\"}{b=\"2\"} 1\n",
       "line 1: expected value after metric \"foo{a=\\\"1\\\"}\", got \"{b=\""},
      {"foo{a=\"x\ny\",b} 1\n", "line 2: expected '=' after label name \"b\", got \"}\""},
      {"foo 1\nbar 2 3 x\n", "line 2: expected end of line after timestamp, got \"x\""},
      {"foo 1\n  bar 2\n", "line 2: invalid metric name \"  bar\": blanks before a sample"},
      {"\tbar{} 2\n", "line 1: invalid metric name \"\\tbar\": blanks before a sample"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ErrorOf(c.body, kText), c.error) << c.body;
  }
}

}  // namespace
}  // namespace tsdbd::scrape::textparse
