// AppendJsonValue and the envelope: boost::json trees written as Go 1.19's encoding/json
// writes the same data. The expected strings are what Prometheus 2.42 answers (observed).
#include "lib/http/api/json_writer.h"

#include <gtest/gtest.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <limits>

#include "lib/http/api/envelope.h"

namespace tsdbd::http::api {
namespace {

std::string Write(const boost::json::value& v) {
  std::string out;
  AppendJsonValue(out, v);
  return out;
}

TEST(AppendJsonValue, Scalars) {
  EXPECT_EQ(Write(nullptr), "null");
  EXPECT_EQ(Write(true), "true");
  EXPECT_EQ(Write(false), "false");
  EXPECT_EQ(Write(0), "0");
  EXPECT_EQ(Write(-42), "-42");
  EXPECT_EQ(Write(std::numeric_limits<int64_t>::min()), "-9223372036854775808");
  EXPECT_EQ(Write(std::numeric_limits<int64_t>::max()), "9223372036854775807");
  EXPECT_EQ(Write(std::numeric_limits<uint64_t>::max()), "18446744073709551615");
  EXPECT_EQ(Write(""), R"("")");
  EXPECT_EQ(Write("plain"), R"("plain")");
}

TEST(AppendJsonValue, DoublesAsBoostWroteThemBefore) {
  for (double d : {0.0, 1.5, -2.0, 1e300, 5e-324}) {
    const boost::json::value v = d;
    EXPECT_EQ(Write(v), boost::json::serialize(v)) << d;
  }
}

TEST(AppendJsonValue, StringsEscapedAsGo) {
  // Short escapes only for \" \\ \n \r \t; \b and \f as \u00XX (Boost writes \b and \f).
  EXPECT_EQ(Write("q\"b\\n\nr\rt\t"), R"("q\"b\\n\nr\rt\t")");
  EXPECT_EQ(Write("\b\f"), R"("\u0008\u000c")");
  EXPECT_EQ(Write(boost::json::string(std::string_view("\x00\x01\x1f", 3))),
            R"("\u0000\u0001\u001f")");
  EXPECT_EQ(Write("\x7f"), "\"\x7f\"");  // DEL is not escaped by Go
  EXPECT_EQ(Write("<a>&"), R"("\u003ca\u003e\u0026")");
  EXPECT_EQ(Write("\u2028\u2029\u2027"), "\"\\u2028\\u2029\u2027\"");
  EXPECT_EQ(Write("é€😀"), "\"é€😀\"");
}

TEST(AppendJsonValue, InvalidUtf8IsOneReplacementPerByte) {
  EXPECT_EQ(Write("a\xff"
                  "b"),
            R"("a\ufffdb")");
  EXPECT_EQ(Write("\xc3"), R"("\ufffd")");                                // truncated sequence
  EXPECT_EQ(Write("\xc3\x28"), R"("\ufffd(")");                           // bad continuation
  EXPECT_EQ(Write("\xc0\xaf"), R"("\ufffd\ufffd")");                      // overlong
  EXPECT_EQ(Write("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");            // surrogate
  EXPECT_EQ(Write("\xf4\x90\x80\x80"), R"("\ufffd\ufffd\ufffd\ufffd")");  // > U+10FFFF
  EXPECT_EQ(Write("\xe2\x80"), R"("\ufffd\ufffd")");                      // U+2028 cut short
}

TEST(AppendJsonValue, ObjectsKeepInsertionOrderAndEscapeKeys) {
  boost::json::object o;
  o["zeta"] = 1;
  o["alpha"] = boost::json::array{"x", nullptr, false};
  o["<k\b>"] = boost::json::object{};
  o["empty"] = boost::json::array{};
  o["zeta"] = 2;  // replaced in place
  EXPECT_EQ(Write(o), R"({"zeta":2,"alpha":["x",null,false],"\u003ck\u0008\u003e":{},"empty":[]})");
}

TEST(AppendJsonValue, NestedTreesMatchBoostOnPlainData) {
  // Where Boost and Go agree (no odd bytes), the output is what Boost wrote before.
  const char* text =
      R"({"headStats":{"numSeries":3,"minTime":-9223372036854775808,"maxTime":9223372036854775807},)"
      R"("seriesCountByMetricName":[{"name":"up","value":2},{"name":"x y","value":1}],)"
      R"("flags":{"a":"","b":"c d","nested":[[],[{}],[1,[2,[3]]]]}})";
  const boost::json::value v = boost::json::parse(text);
  EXPECT_EQ(Write(v), boost::json::serialize(v));
  EXPECT_EQ(Write(v), text);
}

TEST(Envelope, SuccessEscapesDataAndWarnings) {
  const Response r = Success(boost::json::array{"a\bb", "\xfe", "<\u2029>"}, {"w&\f"});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, R"({"status":"success","data":["a\u0008b","\ufffd","\u003c\u2029\u003e"],)"
                    R"("warnings":["w\u0026\u000c"]})");
  EXPECT_EQ(Success(nullptr).body, R"({"status":"success","data":null})");
  EXPECT_EQ(Success(boost::json::array{}).body, R"({"status":"success","data":[]})");
}

TEST(Envelope, SuccessRawEscapesOnlyWarnings) {
  const std::string data = R"({"resultType":"scalar","result":[1,"2"]})";
  EXPECT_EQ(SuccessRaw(data).body, R"({"status":"success","data":)" + data + "}");
  EXPECT_EQ(SuccessRaw(data, {"a", "\x80<"}).body,
            R"({"status":"success","data":)" + data + R"(,"warnings":["a","\ufffd\u003c"]})");
}

TEST(Envelope, FailureEscapesTheMessage) {
  const Response r = Failure(ErrorType::kBadData, "1:3: parse error: \"\b\xff\" <bad>");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, R"({"status":"error","errorType":"bad_data",)"
                    R"("error":"1:3: parse error: \"\u0008\ufffd\" \u003cbad\u003e"})");
}

TEST(Envelope, FailureWithDataPutsDataBeforeTheErrorType) {
  boost::json::object data;
  data["resultType"] = "vector\f";
  const Response r = Failure(ErrorType::kExecution, "", data);
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(
      r.body,
      R"({"status":"error","data":{"resultType":"vector\u000c"},"errorType":"execution","error":""})");
}

TEST(Envelope, FailureStatusForEveryErrorType) {
  const std::pair<ErrorType, std::pair<int, const char*>> cases[] = {
      {ErrorType::kBadData, {400, "bad_data"}},   {ErrorType::kExecution, {422, "execution"}},
      {ErrorType::kCanceled, {503, "canceled"}},  {ErrorType::kTimeout, {503, "timeout"}},
      {ErrorType::kInternal, {500, "internal"}},  {ErrorType::kUnavailable, {503, "unavailable"}},
      {ErrorType::kNotFound, {404, "not_found"}},
  };
  for (const auto& [type, want] : cases) {
    const Response r = Failure(type, "m");
    EXPECT_EQ(r.status, want.first);
    EXPECT_EQ(r.body, std::string(R"({"status":"error","errorType":")") + want.second +
                          R"(","error":"m"})");
  }
}

}  // namespace
}  // namespace tsdbd::http::api
