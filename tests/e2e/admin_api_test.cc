// The TSDB admin API of the real tsdbd binary against Prometheus 2.42: both open copies of
// the same promtool-written blocks, get the same admin requests, and must answer with the
// same codes and bodies and then the same query results. tsdbd's snapshot must open in
// Prometheus. Skipped without prometheus and promtool.
#include <gtest/gtest.h>
#include <re2/re2.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <csignal>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/testing/process.h"
#include "tests/testing/prometheus_process.h"
#include "tests/testing/tsdbd_process.h"

namespace tsdbd {
namespace {

namespace stdfs = std::filesystem;
using testing::HttpRequest;
using testing::HttpResponse;

constexpr char kConfig[] = "global:\n  scrape_interval: 15s\n";
constexpr int64_t kT0 = 1699999200;  // seconds, a multiple of 2h
constexpr int kSamples = 300;        // 15 s apart

// Three series of m and one of n, one block written by promtool into dir.
void WriteBlocks(const testing::TempDir& tmp, const std::string& dir) {
  std::string om = "# TYPE m gauge\n";
  for (int s = 0; s < 3; ++s) {
    for (int i = 0; i < kSamples; ++i) {
      om += "m{s=\"" + std::to_string(s) + "\"} " + std::to_string(i + s) + " " +
            std::to_string(kT0 + i * 15) + "\n";
    }
  }
  om += "# TYPE n gauge\n";
  for (int i = 0; i < kSamples; ++i) {
    om += "n 1 " + std::to_string(kT0 + i * 15) + "\n";
  }
  om += "# EOF\n";
  const std::string in = tmp.WriteFile("in.om", om);
  auto r = testing::Run({"promtool", "tsdb", "create-blocks-from", "openmetrics", in, dir});
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

HttpResponse Send(uint16_t port, const std::string& method, const std::string& target) {
  HttpRequest r;
  r.method = method;
  r.target = target;
  return testing::Fetch(port, r);
}

// count_over_time of every series over the whole data, as "labels=count;..." text.
std::string Counts(uint16_t port) {
  HttpResponse r = testing::Get(
      port, "/api/v1/query?query=count_over_time(%7B__name__%3D~%22.%2B%22%7D%5B3h%5D)&time=" +
                std::to_string(kT0 + 2 * 3600));
  EXPECT_EQ(r.status, 200) << r.body;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(r.body, ec);
  if (ec) return "bad json: " + r.body;
  std::vector<std::string> out;
  for (const auto& e : v.at("data").at("result").as_array()) {
    out.push_back(boost::json::serialize(e.at("metric")) + "=" +
                  std::string(e.at("value").as_array()[1].as_string()));
  }
  std::sort(out.begin(), out.end());
  std::string text;
  for (const std::string& s : out) text += s + ";";
  return text;
}

class AdminApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::HaveProgram("prometheus") || !testing::HaveProgram("promtool")) {
      GTEST_SKIP() << "prometheus or promtool not installed";
    }
    WriteBlocks(tmp_, tmp_.path() + "/seed");
    stdfs::copy(tmp_.path() + "/seed", tmp_.path() + "/tsdbd", stdfs::copy_options::recursive);
    stdfs::copy(tmp_.path() + "/seed", tmp_.path() + "/prom", stdfs::copy_options::recursive);
    config_ = tmp_.WriteFile("prometheus.yml", kConfig);
  }

  void Start(bool admin) {
    std::vector<std::string> args = {"--storage.tsdb.path=" + tmp_.path() + "/tsdbd",
                                     "--storage.tsdb.retention.time=100y"};
    std::vector<std::string> prom_args = {"--storage.tsdb.retention.time=100y"};
    if (admin) {
      args.push_back("--web.enable-admin-api");
      prom_args.push_back("--web.enable-admin-api");
    }
    tsdbd_ = std::make_unique<testing::TsdbdProcess>(TSDBD_BINARY, config_, args);
    prom_ = std::make_unique<testing::PrometheusProcess>(tmp_.path() + "/prom", kConfig, prom_args);
    ASSERT_TRUE(tsdbd_->WaitReady()) << tsdbd_->log();
    ASSERT_TRUE(prom_->WaitReady()) << prom_->log();
  }

  // Sends the request to both; expects the same status and body (`same_body`) or the same
  // status only.
  void Both(const std::string& method, const std::string& target, bool same_body = true) {
    HttpResponse ours = Send(tsdbd_->port(), method, target);
    HttpResponse theirs = Send(prom_->port(), method, target);
    EXPECT_EQ(ours.status, theirs.status) << method << " " << target << "\n" << ours.body;
    if (same_body) {
      EXPECT_EQ(ours.body, theirs.body) << method << " " << target;
    }
    EXPECT_EQ(ours.Header("Content-Type"), theirs.Header("Content-Type")) << target;
  }

  testing::TempDir tmp_;
  std::string config_;
  std::unique_ptr<testing::TsdbdProcess> tsdbd_;
  std::unique_ptr<testing::PrometheusProcess> prom_;
};

TEST_F(AdminApiTest, DisabledAnswersAsPrometheus) {
  Start(false);
  for (const char* path : {"delete_series?match[]=m", "clean_tombstones", "snapshot"}) {
    for (const char* method : {"POST", "PUT", "GET"}) {
      Both(method, std::string("/api/v1/admin/tsdb/") + path);
    }
  }
  EXPECT_EQ(Counts(tsdbd_->port()), Counts(prom_->port()));
}

TEST_F(AdminApiTest, DeleteCleanAndSnapshotAsPrometheus) {
  Start(true);
  const std::string before = Counts(prom_->port());
  ASSERT_EQ(Counts(tsdbd_->port()), before);
  ASSERT_NE(before, "");

  const std::string del = "/api/v1/admin/tsdb/delete_series";
  for (const std::string& bad :
       {std::string(""), std::string("?match[]=m%7B"), std::string("?match[]=m&start=x"),
        std::string("?match[]=m&end=y"), std::string("?match[]=&start=1"),
        std::string("?match[]=m&x=%zz")}) {
    Both("POST", del + bad);
  }
  EXPECT_EQ(Counts(tsdbd_->port()), before);

  // Part of m{s="1"}, all of n, and a range that holds nothing.
  const std::string start = std::to_string(kT0 + 600), end = std::to_string(kT0 + 1800);
  Both("POST", del + "?match[]=m%7Bs%3D%221%22%7D&start=" + start + "&end=" + end);
  Both("PUT", del + "?match[]=n");
  Both("POST", del + "?match[]=m&start=1&end=2");
  const std::string after = Counts(prom_->port());
  EXPECT_NE(after, before);
  EXPECT_EQ(Counts(tsdbd_->port()), after);

  Both("POST", "/api/v1/admin/tsdb/clean_tombstones");
  EXPECT_EQ(Counts(tsdbd_->port()), after);
  EXPECT_EQ(Counts(prom_->port()), after);

  Both("POST", "/api/v1/admin/tsdb/snapshot?skip_head=maybe");
  // Names differ (time and randomness): compare the shape.
  HttpResponse snap = Send(tsdbd_->port(), "POST", "/api/v1/admin/tsdb/snapshot");
  ASSERT_EQ(snap.status, 200) << snap.body;
  std::string name;
  ASSERT_TRUE(RE2::FullMatch(
      snap.body,
      R"re(\{"status":"success","data":\{"name":"(\d{8}T\d{6}Z-[0-7][0-9a-f]{15})"\}\})re", &name))
      << snap.body;
  const std::string snap_dir = tmp_.path() + "/tsdbd/snapshots/" + name;
  ASSERT_TRUE(stdfs::is_directory(snap_dir));

  // Prometheus opens a copy of tsdbd's snapshot and answers as before.
  tsdbd_.reset();
  const std::string copy = tmp_.path() + "/snapcopy";
  stdfs::copy(snap_dir, copy, stdfs::copy_options::recursive);
  testing::PrometheusProcess from_snapshot(copy, kConfig, {"--storage.tsdb.retention.time=100y"});
  ASSERT_TRUE(from_snapshot.WaitReady()) << from_snapshot.log();
  EXPECT_EQ(Counts(from_snapshot.port()), after);
  auto list = testing::Run({"promtool", "tsdb", "list", snap_dir});
  EXPECT_EQ(list.exit_code, 0) << list.output;
}

// The value of a one-sample instant vector answer ("" when empty).
std::string ScalarOf(const HttpResponse& r) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(r.body, ec);
  if (ec || !v.at("data").at("result").is_array()) return "";
  const auto& result = v.at("data").at("result").as_array();
  if (result.empty()) return "";
  return std::string(result[0].at("value").as_array()[1].as_string());
}

// Head samples deleted through the API stay deleted after kill -9 and a WAL replay.
TEST(AdminApiHeadTest, DeletedHeadSamplesStayDeletedAfterKill) {
  using namespace std::chrono_literals;
  if (!testing::HaveProgram("python3")) GTEST_SKIP() << "python3 not installed";
  testing::TempDir dir;
  dir.WriteFile("www/metrics", "# TYPE m gauge\nm 1\n");
  const uint16_t fixture_port = testing::FreePort();
  testing::ChildProcess fixture({"python3", "-m", "http.server", "--bind", "127.0.0.1",
                                 std::to_string(fixture_port), "--directory", dir.path() + "/www"});
  const std::string config =
      dir.WriteFile("tsdbd.yml",
                    "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: fixture\n"
                    "    static_configs:\n      - targets: ['127.0.0.1:" +
                        std::to_string(fixture_port) + "']\n");
  const std::vector<std::string> args = {"--storage.tsdb.path=" + dir.path() + "/data",
                                         "--web.enable-admin-api"};
  std::string last;  // time of the newest sample of m when deleting, in seconds
  {
    testing::TsdbdProcess tsdbd(TSDBD_BINARY, config, args);
    ASSERT_TRUE(tsdbd.WaitReady()) << tsdbd.log();
    ASSERT_TRUE(testing::WaitUntil(
        [&] {
          const std::string n =
              ScalarOf(tsdbd.Get("/api/v1/query?query=count_over_time(m%5B1h%5D)"));
          return !n.empty() && std::stoi(n) >= 3;
        },
        60s))
        << tsdbd.log();
    last = ScalarOf(tsdbd.Get("/api/v1/query?query=timestamp(m)"));
    ASSERT_FALSE(last.empty());
    const std::string at_last = "/api/v1/query?query=count_over_time(m%5B1h%5D)&time=" + last;
    ASSERT_NE(ScalarOf(tsdbd.Get(at_last)), "");  // the query itself works
    HttpResponse del =
        Send(tsdbd.port(), "POST", "/api/v1/admin/tsdb/delete_series?match[]=m&end=" + last);
    ASSERT_EQ(del.status, 204) << del.body;
    EXPECT_EQ(ScalarOf(tsdbd.Get(at_last)), "");
    tsdbd.process().Signal(SIGKILL);
    ASSERT_TRUE(tsdbd.process().Wait(10s).has_value());
  }
  testing::TsdbdProcess tsdbd(TSDBD_BINARY, config, args);
  ASSERT_TRUE(tsdbd.WaitReady()) << tsdbd.log();
  HttpResponse after = tsdbd.Get("/api/v1/query?query=count_over_time(m%5B1h%5D)&time=" + last);
  EXPECT_EQ(after.status, 200) << after.body;
  EXPECT_EQ(ScalarOf(after), "") << after.body;
  // Samples scraped after the deletion were kept.
  EXPECT_TRUE(testing::WaitUntil(
      [&] {
        return !ScalarOf(tsdbd.Get("/api/v1/query?query=count_over_time(m%5B1h%5D)")).empty();
      },
      30s));
}

}  // namespace
}  // namespace tsdbd
