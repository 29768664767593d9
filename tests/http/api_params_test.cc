#include "lib/http/api/params.h"

#include <gtest/gtest.h>

#include "lib/http/api/envelope.h"

namespace tsdbd::http::api {
namespace {

TEST(ParseTime, UnixSecondsWithFractionRoundedToMilliseconds) {
  EXPECT_EQ(*ParseTime("0"), 0);
  EXPECT_EQ(*ParseTime("1700000000"), 1'700'000'000'000);
  EXPECT_EQ(*ParseTime("1700000000.123"), 1'700'000'000'123);
  EXPECT_EQ(*ParseTime("1700000000.1236"), 1'700'000'000'124);
  EXPECT_EQ(*ParseTime("-1.5"), -1500);
  EXPECT_EQ(*ParseTime("1e3"), 1'000'000);
}

TEST(ParseTime, Rfc3339) {
  EXPECT_EQ(*ParseTime("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*ParseTime("2026-11-25T01:02:03.456Z"), 1'795'568'523'456);
  EXPECT_EQ(*ParseTime("2026-11-25T02:02:03.456789+01:00"), 1'795'568'523'456);
  EXPECT_EQ(*ParseTime("292277025-08-18T07:12:54.999999999Z"), kMaxTimeMs);
  EXPECT_EQ(*ParseTime("-292273086-05-16T16:47:06Z"), kMinTimeMs);
}

TEST(ParseTime, Errors) {
  for (const char* bad : {"", "abc", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
                          "2026-11-25 01:02:03Z", "2026-11-25T01:02:03", "1h"}) {
    auto t = ParseTime(bad);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.error().message(), std::string("cannot parse \"") + bad + "\" to a valid timestamp");
  }
}

TEST(ParseDurationParam, SecondsOrPrometheusDurations) {
  EXPECT_EQ(*ParseDurationParam("15"), 15'000);
  EXPECT_EQ(*ParseDurationParam("0.5"), 500);
  EXPECT_EQ(*ParseDurationParam("1m30s"), 90'000);
  EXPECT_EQ(ParseDurationParam("x").error().message(), "cannot parse \"x\" to a valid duration");
  EXPECT_NE(ParseDurationParam("1e300").error().message().find("overflows int64"),
            std::string::npos);
}

TEST(TimeParam, DefaultAndWrappedErrors) {
  Request r;
  EXPECT_EQ(*TimeParam(r, "start", 42), 42);
  r.params = {{"start", "abc"}};
  EXPECT_EQ(TimeParam(r, "start", 0).error().message(),
            "invalid parameter \"start\": Invalid time value for 'start': cannot parse \"abc\" to "
            "a valid timestamp");
}

TEST(MatcherSets, NeedANonEmptyMatcher) {
  auto ok = MatcherSets({"up", R"({job="a"})"});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->size(), 2u);
  EXPECT_EQ(MatcherSets({R"({a=""})"}).error().message(),
            "match[] must contain at least one non-empty matcher");
  EXPECT_EQ(MatcherSets({"rate(x[5m])"}).error().message(), R"(1:5: parse error: unexpected "(")");
}

TEST(Envelope, EscapesLikeGo) {
  Response r = Failure(ErrorType::kBadData, "unexpected <offset> & \u2028");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body,
            R"({"status":"error","errorType":"bad_data","error":"unexpected \u003coffset\u003e \u0026 \u2028"})");
  Response ok = Success(boost::json::array{"a"}, {"careful"});
  EXPECT_EQ(ok.body, R"({"status":"success","data":["a"],"warnings":["careful"]})");
  EXPECT_EQ(Failure(ErrorType::kExecution, "x").status, 422);
  EXPECT_EQ(Failure(ErrorType::kTimeout, "x").status, 503);
  EXPECT_EQ(Failure(ErrorType::kInternal, "x").status, 500);
}

}  // namespace
}  // namespace tsdbd::http::api
