#include <gtest/gtest.h>

#include <limits>

#include "lib/http/api/envelope.h"
#include "lib/http/api/params.h"

namespace tsdbd::http::api {
namespace {

TEST(ParseTime, UnixSecondsWithFractionRoundedToMilliseconds) {
  EXPECT_EQ(*ParseTime("0"), (ApiTime{0, 0}));
  EXPECT_EQ(*ParseTime("1700000000"), (ApiTime{1'700'000'000, 0}));
  EXPECT_EQ(ParseTime("1700000000.123")->EngineMillis(), 1'700'000'000'123);
  EXPECT_EQ(ParseTime("1700000000.123")->StorageMillis(), 1'700'000'000'123);
  EXPECT_EQ(ParseTime("1700000000.1236")->EngineMillis(), 1'700'000'000'124);
  EXPECT_EQ(*ParseTime("-1.5"), (ApiTime{-2, 500'000'000}));
  EXPECT_EQ(ParseTime("-1.5")->EngineMillis(), -1500);
  EXPECT_EQ(ParseTime("-1.5")->StorageMillis(), -1500);
  EXPECT_EQ(ParseTime("1e3")->StorageMillis(), 1'000'000);
  EXPECT_EQ(*ParseTime("0.9996"), (ApiTime{1, 0}));  // rounded up into the next second
}

// Beyond int64 nanoseconds Go's conversions wrap around, and Prometheus evaluates at that
// time: these are the times Prometheus 2.42 answered time() with.
TEST(ParseTime, ConvertsAsGoConvertsAtTheEnds) {
  EXPECT_EQ(ParseTime("1e16")->EngineMillis(), 1'590'897'978'359);
  EXPECT_EQ(ParseTime("-1e16")->EngineMillis(), -1'590'897'978'359);
  EXPECT_EQ(ParseTime("9223372036854775")->EngineMillis(), 192);
  for (const char* nan_or_inf : {"NaN", "Inf", "-Inf"}) {
    EXPECT_EQ(ParseTime(nan_or_inf)->EngineMillis(), -9'223'372'036'854) << nan_or_inf;
  }
  EXPECT_EQ(ParseTime("1677-09-21T00:12:43.145224192Z")->EngineMillis(), -9'223'372'036'854);
  EXPECT_EQ(ParseTime("9999-12-31T23:59:59Z")->EngineMillis(), -4'852'116'232'933);
  EXPECT_EQ(ParseTime("9999-12-31T23:59:59Z")->StorageMillis(), 253'402'300'799'000);
  EXPECT_EQ(ParseTime("0001-01-01T00:00:00Z")->EngineMillis(), -6'795'364'578'871);
  // Storage's milliseconds wrap only where seconds times 1000 do.
  EXPECT_EQ(ParseTime("1e16")->StorageMillis(), -8'446'744'073'709'551'616);
}

TEST(ParseTime, Rfc3339) {
  EXPECT_EQ(*ParseTime("1970-01-01T00:00:00Z"), (ApiTime{0, 0}));
  EXPECT_EQ(ParseTime("2026-11-25T01:02:03.456Z")->EngineMillis(), 1'795'568'523'456);
  EXPECT_EQ(ParseTime("2026-11-25T02:02:03.456789+01:00")->StorageMillis(), 1'795'568'523'456);
  EXPECT_EQ(*ParseTime("292277025-08-18T07:12:54.999999999Z"), kMaxTime);
  EXPECT_EQ(*ParseTime("-292273086-05-16T16:47:06Z"), kMinTime);
  EXPECT_EQ(kMaxTime.StorageMillis(), kMaxTimeMs);
  EXPECT_EQ(kMinTime.StorageMillis(), kMinTimeMs);
}

TEST(ParseTime, Errors) {
  for (const char* bad : {"", "abc", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
                          "2026-11-25 01:02:03Z", "2026-11-25T01:02:03", "1h", "1e400"}) {
    auto t = ParseTime(bad);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.error().message(),
              std::string("cannot parse \"") + bad + "\" to a valid timestamp");
  }
}

TEST(ParseTime, SubIsClampedAsGos) {
  EXPECT_EQ(SubNanos(ApiTime{2, 100}, ApiTime{1, 200}), 999'999'900);
  EXPECT_EQ(SubNanos(kMaxTime, kMinTime), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(SubNanos(kMinTime, kMaxTime), std::numeric_limits<int64_t>::min());
}

TEST(ParseDurationParam, SecondsOrPrometheusDurationsInNanoseconds) {
  EXPECT_EQ(*ParseDurationParam("15"), 15'000'000'000);
  EXPECT_EQ(*ParseDurationParam("0.5"), 500'000'000);
  EXPECT_EQ(*ParseDurationParam("0.0001"), 100'000);
  EXPECT_EQ(*ParseDurationParam("1m30s"), 90'000'000'000);
  EXPECT_EQ(ParseDurationParam("x").error().message(), "cannot parse \"x\" to a valid duration");
  EXPECT_NE(ParseDurationParam("1e300").error().message().find("overflows int64"),
            std::string::npos);
  // NaN passes Go's bounds check and converts to int64's minimum: a negative step.
  EXPECT_EQ(*ParseDurationParam("NaN"), std::numeric_limits<int64_t>::min());
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
  EXPECT_EQ(
      r.body,
      R"({"status":"error","errorType":"bad_data","error":"unexpected \u003coffset\u003e \u0026 \u2028"})");
  Response ok = Success(boost::json::array{"a"}, {"careful"});
  EXPECT_EQ(ok.body, R"({"status":"success","data":["a"],"warnings":["careful"]})");
  EXPECT_EQ(Failure(ErrorType::kExecution, "x").status, 422);
  EXPECT_EQ(Failure(ErrorType::kTimeout, "x").status, 503);
  EXPECT_EQ(Failure(ErrorType::kInternal, "x").status, 500);
}

}  // namespace
}  // namespace tsdbd::http::api
