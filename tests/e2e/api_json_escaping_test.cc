// Strings with bytes that Go's encoding/json and Boost.JSON escape differently (\b, \f, <, &,
// U+2028, invalid UTF-8) pushed by remote write into tsdbd and into Prometheus 2.42: the API
// bodies that carry them back (series, label values, query results, errors) must be equal
// byte for byte.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/testing/api_query.h"
#include "tests/testing/process.h"
#include "tests/testing/prometheus_process.h"
#include "tests/testing/tsdbd_process.h"

namespace tsdbd {
namespace {

using namespace std::chrono_literals;
using Labels = std::vector<std::pair<std::string, std::string>>;  // sorted by name

// Label values whose JSON differs between a naive writer and Go's.
const std::vector<std::string>& OddValues() {
  static const std::vector<std::string> values = {
      "backspace\b",     "formfeed\f",        "lt<gt>amp&",       "seps\u2028\u2029",
      "invalid\xff",     "truncated\xe2\x80", "overlong\xc0\xaf", "ctl\x01\x1f\x7f",
      "quote\"back\\sl", "nl\ncr\rtab\t",     "utf8 é€😀",
  };
  return values;
}

// --- A remote-write request built by hand: protobuf wire format and a snappy block. ---

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void PutBytesField(std::string& out, int field, std::string_view bytes) {
  PutVarint(out, static_cast<uint64_t>(field) << 3 | 2);
  PutVarint(out, bytes.size());
  out.append(bytes);
}

// prometheus.WriteRequest{timeseries: [{labels, samples: [{value, timestamp}]}]}.
std::string WriteRequest(const std::vector<Labels>& series, double value, int64_t t_ms) {
  std::string request;
  for (const Labels& labels : series) {
    std::string ts;
    for (const auto& [name, val] : labels) {
      std::string label;
      PutBytesField(label, 1, name);
      PutBytesField(label, 2, val);
      PutBytesField(ts, 1, label);
    }
    std::string sample;
    sample.push_back(static_cast<char>(1 << 3 | 1));  // value: fixed64 double
    char bits[8];
    std::memcpy(bits, &value, 8);  // little-endian hosts only, as every test machine is
    sample.append(bits, 8);
    PutVarint(sample, 2 << 3 | 0);  // timestamp: varint int64
    PutVarint(sample, static_cast<uint64_t>(t_ms));
    PutBytesField(ts, 2, sample);
    PutBytesField(request, 1, ts);
  }
  return request;
}

// A valid snappy block of literals only: the uncompressed length, then chunks of at most
// 64 KiB each tagged as a literal with a two-byte length.
std::string SnappyLiterals(std::string_view data) {
  std::string out;
  PutVarint(out, data.size());
  for (size_t i = 0; i < data.size(); i += 65536) {
    const size_t n = std::min<size_t>(65536, data.size() - i);
    out.push_back(static_cast<char>(61 << 2));
    out.push_back(static_cast<char>((n - 1) & 0xFF));
    out.push_back(static_cast<char>((n - 1) >> 8));
    out.append(data.substr(i, n));
  }
  return out;
}

int PushRemoteWrite(uint16_t port, const std::string& request) {
  testing::HttpRequest r;
  r.method = "POST";
  r.target = "/api/v1/write";
  r.headers = {{"Content-Encoding", "snappy"},
               {"Content-Type", "application/x-protobuf"},
               {"X-Prometheus-Remote-Write-Version", "0.1.0"}};
  r.body = SnappyLiterals(request);
  return testing::Fetch(port, r).status;
}

class ApiJsonEscaping : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::HaveProgram("prometheus")) GTEST_SKIP() << "prometheus is not installed";
    tsdbd_ = std::make_unique<testing::TsdbdProcess>(
        TSDBD_BINARY, dir_.WriteFile("p.yml", "global:\n  scrape_interval: 15s\n"),
        std::vector<std::string>{"--web.enable-remote-write-receiver"});
    prometheus_ = std::make_unique<testing::PrometheusProcess>(
        dir_.path() + "/prom", "global:\n  scrape_interval: 15s\n",
        std::vector<std::string>{"--web.enable-remote-write-receiver"});
    ASSERT_TRUE(tsdbd_->WaitReady()) << tsdbd_->log();
    ASSERT_TRUE(prometheus_->WaitReady()) << prometheus_->log();
  }

  // Pushes the same series into both; both must accept them.
  void PushToBoth(const std::vector<Labels>& series) {
    const std::string request = WriteRequest(series, 1.5, t_ms_);
    ASSERT_EQ(PushRemoteWrite(prometheus_->port(), request), 204) << prometheus_->log();
    ASSERT_EQ(PushRemoteWrite(tsdbd_->port(), request), 204) << tsdbd_->log();
  }

  // GETs `target` from both; expects equal status and bodies, returns tsdbd's body.
  std::string ExpectSame(const std::string& target) {
    const testing::HttpResponse want = prometheus_->Get(target);
    const testing::HttpResponse got = tsdbd_->Get(target);
    EXPECT_EQ(got.status, want.status) << target;
    EXPECT_EQ(got.body, want.body) << target;
    EXPECT_NE(want.status, 0) << target;
    return got.body;
  }

  // A time both hold samples at: a minute ago, whole seconds.
  const int64_t t_ms_ = (std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count() -
                         60) *
                        1000;
  testing::TempDir dir_;
  std::unique_ptr<testing::TsdbdProcess> tsdbd_;
  std::unique_ptr<testing::PrometheusProcess> prometheus_;
};

TEST_F(ApiJsonEscaping, OddLabelValuesReadBackIdentically) {
  std::vector<Labels> series;
  for (const std::string& v : OddValues()) {
    series.push_back({{"__name__", "odd"}, {"job", "json"}, {"v", v}});
  }
  // The same bytes in another label of one series, so objects hold several odd strings.
  series.push_back({{"__name__", "odd_all"}, {"a", "<\b\f\xff"}, {"b", "\u2028&\xe2\x80\xa9"}});
  ASSERT_NO_FATAL_FAILURE(PushToBoth(series));

  const std::string t = testing::ApiTime(t_ms_);
  const std::string body = ExpectSame("/api/v1/label/v/values");
  // Go's escapes really are in the body (not Boost's \b and \f, not raw invalid bytes).
  EXPECT_NE(body.find(R"(backspace\u0008)"), std::string::npos) << body;
  EXPECT_NE(body.find(R"(formfeed\u000c)"), std::string::npos) << body;
  EXPECT_NE(body.find(R"(invalid\ufffd)"), std::string::npos) << body;
  EXPECT_NE(body.find(R"(lt\u003cgt\u003eamp\u0026)"), std::string::npos) << body;
  EXPECT_NE(body.find(R"(seps\u2028\u2029)"), std::string::npos) << body;

  ExpectSame("/api/v1/label/a/values");
  ExpectSame("/api/v1/labels");
  ExpectSame("/api/v1/series?match[]=" + testing::QueryEscape("{job=\"json\"}"));
  ExpectSame("/api/v1/series?match[]=odd_all");
  ExpectSame("/api/v1/query?query=odd&time=" + t);
  ExpectSame("/api/v1/query?query=odd_all&time=" + t);
  ExpectSame("/api/v1/query?query=" + testing::QueryEscape("odd[1m]") + "&time=" + t);
  ExpectSame("/api/v1/query_range?query=odd_all&start=" + testing::ApiTime(t_ms_ - 30'000) +
             "&end=" + testing::ApiTime(t_ms_ + 30'000) + "&step=15");
  // Selecting a series by its odd value works in both and answers the same.
  for (const std::string& v : OddValues()) {
    std::string quoted;
    for (const char c : v) {  // a PromQL string literal with \xNN escapes for every byte
      static constexpr char kHex[] = "0123456789abcdef";
      quoted += "\\x";
      quoted.push_back(kHex[static_cast<unsigned char>(c) >> 4]);
      quoted.push_back(kHex[static_cast<unsigned char>(c) & 0xF]);
    }
    const std::string q = "odd{v=\"" + quoted + "\"}";
    const std::string got =
        ExpectSame("/api/v1/query?query=" + testing::QueryEscape(q) + "&time=" + t);
    EXPECT_NE(got.find("\"value\""), std::string::npos) << q << " " << got;
  }
}

// Error messages that quote the user's odd bytes: the bytes come back escaped as Go does
// (\u0008, \u000c, \ufffd, \u0026...) inside the "error" string.
TEST_F(ApiJsonEscaping, ErrorsQuotingOddBytes) {
  for (const std::string& q : {
           std::string("odd{v=\"x\"} + \xff"),  // invalid byte in the expression
           std::string("sum(odd) by (\f)"),
           std::string("odd <&> \u2029"),
           std::string("odd{v=~\"(\b<\"}"),  // the regexp is quoted raw: \u0008\u003c
           std::string("odd[5\b]"),
           std::string("rate(odd[1m]) by (x\\b)"),
           std::string("label_replace(odd, \"x\b\", \"\", \"\", \"\")"),
           std::string("label_replace(odd, \"x\", \"\", \"\", \"(\f\")"),
           std::string("\"\\xff\\b<\" + 1"),
           std::string("odd @ \"\b\""),
       }) {
    ExpectSame("/api/v1/query?query=" + testing::QueryEscape(q));
    ExpectSame("/api/v1/query_range?query=" + testing::QueryEscape(q) + "&start=0&end=60&step=15");
  }
  const std::string body =
      ExpectSame("/api/v1/query?query=" +
                 testing::QueryEscape("label_replace(odd, \"x\b\", \"\", \"\", \"\")"));
  EXPECT_NE(body.find(R"(label_replace(): x\u0008")"), std::string::npos) << body;
  // A time, step or label name that is not valid is quoted with Go's %q in the error.
  ExpectSame("/api/v1/query?query=odd&time=" + testing::QueryEscape("<\b\xff>"));
  ExpectSame("/api/v1/query_range?query=odd&start=0&end=60&step=" +
             testing::QueryEscape("<\b\xff>"));
  ExpectSame("/api/v1/label/" + testing::QueryEscape("in\bvalid\xff") + "/values");
}

// The messages themselves name odd bytes as Go does: "invalid UTF-8 rune" for a bad byte in
// a string literal, one U+FFFD rune for a bad sequence, the rest of the regexp after
// "invalid UTF-8".
TEST_F(ApiJsonEscaping, ErrorMessagesQuotingOddBytesAsGo) {
  for (const std::string& q :
       {std::string("odd{v=\"\b\f\xff<&\u2028"), std::string("odd{\xc0\xaf=\"x\"}"),
        std::string("odd{v=~\"\\xff(\"}")}) {
    ExpectSame("/api/v1/query?query=" + testing::QueryEscape(q));
    ExpectSame("/api/v1/query_range?query=" + testing::QueryEscape(q) + "&start=0&end=60&step=15");
  }
  ExpectSame("/api/v1/series?match[]=" + testing::QueryEscape("odd{v=\"\b\xff"));
}

// Malformed queries around odd bytes and stray characters: the same error, word for word
// and at the same position, as Prometheus 2.42 (or the same answer where both accept it).
TEST_F(ApiJsonEscaping, MalformedQueriesAnswerAsPrometheus) {
  const std::string t = testing::ApiTime(t_ms_);
  for (const std::string& q :
       {// Bytes that are not UTF-8, and runes Go escapes, outside strings.
        std::string("\xff"), std::string("o\xffz"), std::string("odd \xc0\xaf"),
        std::string("\xed\xa0\x80"), std::string("\xf4\x90\x80\x80"), std::string("\xf0\x9f\x98"),
        std::string("\xef\xbf\xbd"), std::string("odd\u2028"), std::string("odd\u00a0"),
        std::string("odd\x0b"), std::string("odd\x7f"), std::string("odd * \u20ac"),
        std::string("odd{a=\"b\"} \U0001F600"),
        // Inside braces: label names, after operators, between matchers.
        std::string("odd{\xff}"), std::string("odd{v\xff=\"a\"}"),
        std::string("odd{v=\"a\",\xff=\"b\"}"), std::string("odd{v=\xff\"a\"}"),
        std::string("odd{v!\xc0\xaf\"a\"}"), std::string("odd{v=\"a\" \u2028}"),
        std::string("{\u20ac=\"a\"}"), std::string("odd{\x00}", 6),
        // Strings of each quote kind, terminated or not, and their escapes.
        std::string("\"a\xff"), std::string("'a\xff"), std::string("`a\xff"),
        std::string("`a\xff`"), std::string("\"\xef\xbf\xbd\""), std::string("`unterminated"),
        std::string("\"\xff\\q\""), std::string("\"\\q\xff\""), std::string("\"a\n\xff\""),
        std::string("\"\\u\xff\""), std::string("\"\\x\xc0\xaf\""), std::string("\"\\\xff\""),
        std::string("\"\\\u2028\""), std::string("\"\\\u20ac\""), std::string("\"\\"),
        std::string("\"\\ud800\""), std::string("odd{v='\xff'}"), std::string("odd{v=`a"),
        std::string("odd{v=\"a\n\"}"), std::string("\"\xff\" + \"\xfe\""),
        std::string("label_replace(odd, \"\xff\", \"\", \"\", \"\")"),
        // Durations, numbers, @ and offset.
        std::string("odd[5\xff]"), std::string("odd[\xff]"), std::string("odd[5m\xff]"),
        std::string("odd[5m:\xff]"), std::string("odd[1\xc0\xafm]"), std::string("1e\xff"),
        std::string("0x\xff"), std::string("odd @ \xff"), std::string("odd @ 1\xff"),
        std::string("odd @ start(\xff)"), std::string("odd @ `1"), std::string("odd offset \xff"),
        std::string("odd offset 5\xff"), std::string("odd offset -\xff"),
        std::string("odd[5m:1m] @ \xc0\xaf"),
        // After operators, in grouping, nested.
        std::string("odd +\xff"), std::string("odd == \xff"), std::string("odd !\xff"),
        std::string("odd =\xff"), std::string("odd !~ 1"), std::string("sum by (a\xff) (odd)"),
        std::string("odd + on(\xff) odd"), std::string("sum(rate(odd[5m\xff]))"),
        std::string("sum(odd{v=\"\xff\"})"),
        // Regexps: Go's words, and the rest of the pattern after a bad byte.
        std::string("odd{v=~\"(\\xff\"}"), std::string("odd{v=~\"a\\xc0\\xafb(\"}"),
        std::string("odd{v=~\"[\\xff-a]\"}"), std::string("odd{v=~\"(?P<n\\xff>a)\"}"),
        std::string("odd{v=~\"(?P<n\\xffa\"}"), std::string("odd{v=~\"\\\\Q\\xff\\\\E\"}"),
        std::string("odd{v=~\"\\\\p{\\xff}\"}"), std::string("odd{v=~\"*\\xff\"}"),
        std::string("odd{v=~\"a{1001}\"}"), std::string("odd{v=~\"(?z)\"}"),
        std::string("odd{v=~\"(?P<>a)\"}"), std::string("odd{v=~\"\\\\C\"}"),
        std::string("odd{v=~\"\xef\xbf\xbd(\"}"),
        // Stray characters, comments, nothing at all, unbalanced brackets.
        std::string("$"), std::string("odd{v=\"a\"}$"), std::string("odd # comment \xff"),
        std::string("# only"), std::string(""), std::string(" \n "), std::string("(odd"),
        std::string("((odd)"), std::string("odd))"), std::string("odd[5m"), std::string("odd[5m]]"),
        std::string("odd[[5m]"), std::string("odd}"), std::string("odd{{"),
        std::string("odd{v=\"a\","), std::string("odd\n\u20ac\n  \xff"),
        // Brackets: a letter taken for the colon, '#' for a missing duration, units that
        // run into a letter; hex fractions.
        std::string("odd[5m a]"), std::string("odd[5m:a]"), std::string("odd[5m abc]"),
        std::string("odd[5m a:]"), std::string("odd[#]"), std::string("odd[\n#\n5m]"),
        std::string("odd[5minf]"), std::string("odd offset 5m_"), std::string("0x1.8"),
        std::string("0x."),
        // Aggregations and argument lists; a regexp that only the anchoring balances.
        std::string("sum(odd +)"), std::string("abs(sum(abs(odd +)))"), std::string("sum(,)"),
        std::string("sum(odd,[)"), std::string("rate(odd,*)"), std::string("sum())"),
        std::string("sum() by (a))"), std::string("odd{v=~\"a)(\"}"),
        // Found by mutating the parse corpus: durations, keywords as written, long values,
        // `without` as a label, empty matching beside a scalar, @ bounds, '\r' after '#'.
        std::string("x[m]"), std::string("x[e+5]"), std::string("x[0s"), std::string("x[1w1y]"),
        std::string("x[5hs]"), std::string("x[5mss]"), std::string("SUM(x)SUM(x)"),
        std::string("1 Atan2 Atan2"), std::string("odd \"abcdefghi\""),
        std::string("sum by (a, without) (x)"), std::string("x + on() 1"),
        std::string("x and on() 1"), std::string("x @ 9223372036854775807"),
        std::string("odd + on(a) group_left"), std::string("x # c\r+ on(")}) {
    ExpectSame("/api/v1/query?query=" + testing::QueryEscape(q) + "&time=" + t);
  }
}

TEST_F(ApiJsonEscaping, StringsMadeByQueries) {
  const std::string t = testing::ApiTime(t_ms_);
  for (const std::string& q : {
           std::string(R"("a\bb\fc\x00\xff<&>\u2028")"),
           std::string(R"(label_replace(vector(1), "x", "\x08\xfe\u2029&", "", ""))"),
       }) {
    ExpectSame("/api/v1/query?query=" + testing::QueryEscape(q) + "&time=" + t);
  }
}

}  // namespace
}  // namespace tsdbd
