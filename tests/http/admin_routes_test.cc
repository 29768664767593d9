// The admin API endpoints over loopback, against fake sources: status codes and bodies as
// Prometheus 2.42 gives them (observed with --web.enable-admin-api on and off).
#include "lib/http/api/admin_routes.h"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <filesystem>
#include <mutex>

#include "lib/http/api/params.h"
#include "lib/http/server.h"
#include "tests/testing/http_client.h"
#include "tests/testing/process.h"

namespace tsdbd::http::api {
namespace {

using tsdbd::testing::Fetch;
using tsdbd::testing::HttpRequest;
using tsdbd::testing::HttpResponse;

// What the fake database was asked to do.
struct Calls {
  std::mutex mu;
  struct Deletion {
    int64_t mint, maxt;
    std::vector<std::string> matchers;
  };
  std::vector<Deletion> deletions;
  int cleans = 0;
  std::vector<std::pair<std::string, bool>> snapshots;
  Status fail = Status::Ok();  // returned by every call when not ok
};

class AdminRoutesTest : public ::testing::Test {
 protected:
  void Start(bool enabled) {
    Router router;
    ApiRoutes routes(router, ".*", [] { return true; });
    AdminSources src;
    src.data_dir = data_.path();
    src.delete_series = [this](int64_t mint, int64_t maxt, std::span<const Matcher> ms) {
      std::lock_guard lock(calls_.mu);
      Calls::Deletion d{mint, maxt, {}};
      for (const Matcher& m : ms) d.matchers.push_back(m.ToString());
      calls_.deletions.push_back(std::move(d));
      return calls_.fail;
    };
    src.clean_tombstones = [this] {
      std::lock_guard lock(calls_.mu);
      ++calls_.cleans;
      return calls_.fail;
    };
    src.snapshot = [this](const std::string& dir, bool with_head) {
      std::lock_guard lock(calls_.mu);
      calls_.snapshots.emplace_back(dir, with_head);
      return calls_.fail;
    };
    AddAdminRoutes(routes, enabled, std::move(src), pool_);
    ServerOptions options;
    options.listen_address = "127.0.0.1:0";
    server_ = std::make_unique<Server>(options, std::move(router));
    ASSERT_TRUE(server_->Start().ok());
  }

  HttpResponse Call(const std::string& method, const std::string& target,
                    const std::string& form = "") {
    HttpRequest r;
    r.method = method;
    r.target = target;
    if (!form.empty()) {
      r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
      r.body = form;
    }
    return Fetch(server_->port(), r);
  }

  tsdbd::testing::TempDir data_;
  Calls calls_;
  WorkPool pool_{1};
  std::unique_ptr<Server> server_;
};

constexpr char kDelete[] = "/api/v1/admin/tsdb/delete_series";
constexpr char kClean[] = "/api/v1/admin/tsdb/clean_tombstones";
constexpr char kSnapshot[] = "/api/v1/admin/tsdb/snapshot";

TEST_F(AdminRoutesTest, DisabledRefusesEveryEndpointAs500Unavailable) {
  Start(false);
  for (const char* path : {kDelete, kClean, kSnapshot}) {
    for (const char* method : {"POST", "PUT"}) {
      HttpResponse r = Call(method, std::string(path) + "?match[]=up");
      EXPECT_EQ(r.status, 500) << method << " " << path;
      EXPECT_EQ(r.body,
                R"({"status":"error","errorType":"unavailable","error":"admin APIs disabled"})");
      EXPECT_EQ(r.Header("Content-Type").value_or(""), "application/json");
    }
    HttpResponse get = Call("GET", path);
    EXPECT_EQ(get.status, 405);
    EXPECT_EQ(get.Header("Allow").value_or(""), "OPTIONS, POST, PUT");
  }
  EXPECT_TRUE(calls_.deletions.empty());
  EXPECT_EQ(calls_.cleans, 0);
}

TEST_F(AdminRoutesTest, DeleteSeriesPassesRangeAndEverySelector) {
  Start(true);
  HttpResponse r = Call("POST", std::string(kDelete) +
                                    "?match[]=up&match[]=%7Bjob%3D~%22a.*%22%7D&start=10&end=20.5");
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.body, "");
  ASSERT_EQ(calls_.deletions.size(), 2u);
  EXPECT_EQ(calls_.deletions[0].mint, 10000);
  EXPECT_EQ(calls_.deletions[0].maxt, 20500);
  EXPECT_EQ(calls_.deletions[0].matchers, std::vector<std::string>{"__name__=\"up\""});
  EXPECT_EQ(calls_.deletions[1].matchers, std::vector<std::string>{"job=~\"a.*\""});
  // PUT and a form body work too; start and end default to Prometheus's min and max time.
  r = Call("PUT", kDelete, "match[]=up");
  EXPECT_EQ(r.status, 204);
  ASSERT_EQ(calls_.deletions.size(), 3u);
  EXPECT_EQ(calls_.deletions[2].mint, kMinTimeMs);
  EXPECT_EQ(calls_.deletions[2].maxt, kMaxTimeMs);
  // A selector that matches the empty string is accepted here, as Prometheus does.
  r = Call("POST", std::string(kDelete) + "?match[]=%7Bjob%3D%22%22%7D");
  EXPECT_EQ(r.status, 204);
}

TEST_F(AdminRoutesTest, DeleteSeriesBadRequestsDeleteNothing) {
  Start(true);
  struct Case {
    std::string query;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"", "no match[] parameter provided"},
      {"?start=abc", "no match[] parameter provided"},
      {"?match[]=up%7B&start=abc",
       R"(invalid parameter \"start\": Invalid time value for 'start': cannot parse \"abc\" to a valid timestamp)"},
      {"?match[]=up&end=xyz",
       R"(invalid parameter \"end\": Invalid time value for 'end': cannot parse \"xyz\" to a valid timestamp)"},
      {"?match[]=up%7B",
       R"(invalid parameter \"match[]\": 1:4: parse error: unexpected end of input inside braces)"},
      {"?match[]=", R"(invalid parameter \"match[]\": 1:1: parse error: unexpected end of input)"},
      // Every selector is checked before anything is deleted.
      {"?match[]=up&match[]=bad%7B",
       R"(invalid parameter \"match[]\": 1:5: parse error: unexpected end of input inside braces)"},
      {"?match[]=up&x=%zz", R"(error parsing form values: invalid URL escape \"%zz\")"},
  };
  for (const Case& c : cases) {
    HttpResponse r = Call("POST", kDelete + c.query);
    EXPECT_EQ(r.status, 400) << c.query;
    EXPECT_EQ(r.body, R"({"status":"error","errorType":"bad_data","error":")" + c.error + "\"}")
        << c.query;
  }
  EXPECT_TRUE(calls_.deletions.empty());
}

TEST_F(AdminRoutesTest, StorageFailuresAre500Internal) {
  Start(true);
  calls_.fail = Error("disk on fire");
  HttpResponse r = Call("POST", std::string(kDelete) + "?match[]=up");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, R"({"status":"error","errorType":"internal","error":"disk on fire"})");
  r = Call("POST", kClean);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, R"({"status":"error","errorType":"internal","error":"disk on fire"})");
  r = Call("POST", kSnapshot);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body,
            R"({"status":"error","errorType":"internal","error":"create snapshot: disk on fire"})");
}

TEST_F(AdminRoutesTest, CleanTombstonesIgnoresItsParameters) {
  Start(true);
  EXPECT_EQ(Call("POST", kClean).status, 204);
  EXPECT_EQ(Call("PUT", std::string(kClean) + "?x=%zz").status, 204);
  EXPECT_EQ(calls_.cleans, 2);
}

TEST_F(AdminRoutesTest, SnapshotNamesADirectoryUnderSnapshots) {
  Start(true);
  HttpResponse r = Call("POST", kSnapshot);
  ASSERT_EQ(r.status, 200);
  std::string name;
  ASSERT_TRUE(RE2::FullMatch(
      r.body, R"re(\{"status":"success","data":\{"name":"(\d{8}T\d{6}Z-[0-7][0-9a-f]{15})"\}\})re",
      &name))
      << r.body;
  ASSERT_EQ(calls_.snapshots.size(), 1u);
  const std::string dir = data_.path() + "/snapshots/" + name;
  EXPECT_EQ(calls_.snapshots[0], std::make_pair(dir, true));
  EXPECT_TRUE(std::filesystem::is_directory(dir));

  EXPECT_EQ(Call("PUT", std::string(kSnapshot) + "?skip_head=true").status, 200);
  EXPECT_EQ(Call("POST", std::string(kSnapshot) + "?skip_head=").status, 200);
  EXPECT_EQ(Call("POST", kSnapshot, "skip_head=0").status, 200);
  ASSERT_EQ(calls_.snapshots.size(), 4u);
  EXPECT_FALSE(calls_.snapshots[1].second);
  EXPECT_TRUE(calls_.snapshots[2].second);
  EXPECT_TRUE(calls_.snapshots[3].second);

  // The form body comes before the query string, as Go's r.FormValue reads them.
  r = Call("POST", std::string(kSnapshot) + "?skip_head=true", "skip_head=maybe");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(
      r.body,
      R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"skip_head\": unable to parse boolean: strconv.ParseBool: parsing \"maybe\": invalid syntax"})");
  EXPECT_EQ(calls_.snapshots.size(), 4u);
}

TEST(SnapshotNameTest, FormatsLikePrometheus) {
  EXPECT_EQ(SnapshotName(1767225600, 0x1234), "20260101T000000Z-0000000000001234");
  EXPECT_EQ(SnapshotName(0, ~uint64_t{0}), "19700101T000000Z-7fffffffffffffff");
}

TEST(ParseGoBoolTest, AcceptsWhatGoAccepts) {
  for (const char* t : {"1", "t", "T", "TRUE", "true", "True"}) EXPECT_TRUE(*ParseGoBool(t));
  for (const char* f : {"0", "f", "F", "FALSE", "false", "False"}) EXPECT_FALSE(*ParseGoBool(f));
  for (const char* bad : {"", "yes", "tRUE", "2", " true"}) {
    EXPECT_FALSE(ParseGoBool(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace tsdbd::http::api
