// Differential test: the groups our static and file discovery produce, merged into targets,
// against the discoveredLabels that Prometheus 2.42 lists for the same files and config.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <set>

#include "lib/metrics/registry.h"
#include "lib/scrape/discovery/file_discoverer.h"
#include "lib/scrape/discovery/file_sd_parser.h"
#include "lib/scrape/discovery/static_discoverer.h"
#include "tests/scrape/discovery_test_util.h"
#include "tests/testing/process.h"
#include "tests/testing/prometheus_process.h"

namespace tsdbd::scrape::discovery {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const std::string kTestdata = std::string(TSDBD_SOURCE_DIR) + "/tests/scrape/testdata/discovery";

// "name=value,..." for a label set given as sorted pairs.
std::string Key(const std::map<std::string, std::string>& labels) {
  std::string out;
  for (const auto& [k, v] : labels) out += k + "=" + v + ",";
  return out;
}

// The discovered label sets of a job's targets as Prometheus would list them: group labels
// under target labels, then the scrape config's defaults where absent.
std::vector<std::string> Expected(const std::vector<TargetGroup>& groups, const std::string& job) {
  std::vector<std::string> out;
  for (const TargetGroup& g : groups) {
    for (const Labels& t : g.targets) {
      std::map<std::string, std::string> m;
      for (Label l : g.labels) m[std::string(l.name)] = std::string(l.value);
      for (Label l : t) m[std::string(l.name)] = std::string(l.value);
      const std::pair<const char*, std::string> defaults[] = {{"job", job},
                                                              {"__metrics_path__", "/metrics"},
                                                              {"__scheme__", "http"},
                                                              {"__scrape_interval__", "1h"},
                                                              {"__scrape_timeout__", "10s"}};
      for (const auto& [k, v] : defaults) m.try_emplace(k, v);
      out.push_back(Key(m));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(DiscoveryVsPrometheus, StaticAndFileGroupsMatchDiscoveredLabels) {
  if (!testing::HaveProgram("prometheus") || !testing::HaveProgram("curl")) {
    GTEST_SKIP() << "prometheus or curl is not installed";
  }
  testing::TempDir dir;
  const std::string sd = dir.path() + "/sd";
  fs::create_directory(sd);
  for (const auto& e : fs::directory_iterator(kTestdata)) {
    fs::copy_file(e.path(), sd + "/" + e.path().filename().string());
  }
  const std::vector<std::string> patterns = {sd + "/*.json", sd + "/*.yml", sd + "/*.yaml"};
  std::vector<config::StaticConfig> statics = {
      {.targets = {"s1:80", "s2:80"}, .labels = {{"x", "y"}, {"__scheme__", "https"}}},
      {.targets = {"s3:80"}, .labels = {}}};
  const std::string config =
      "global: {scrape_interval: 1h}\n"
      "scrape_configs:\n"
      "  - job_name: f\n"
      "    file_sd_configs: [{files: ['" +
      patterns[0] + "', '" + patterns[1] + "', '" + patterns[2] +
      "']}]\n"
      "  - job_name: s\n"
      "    static_configs:\n"
      "      - {targets: ['s1:80', 's2:80'], labels: {x: y, __scheme__: https}}\n"
      "      - {targets: ['s3:80']}\n";
  testing::PrometheusProcess prom(dir.path() + "/data", config);
  const uint16_t port = prom.port();

  // Ours.
  metrics::Registry registry;
  Metrics metrics(registry);
  FileDiscoverer files(config::FileSdConfig{.files = patterns}, metrics);
  UpdateSink sink;
  files.Start(sink.Fn());
  ASSERT_TRUE(testing::WaitUntil([&] { return sink.count() > 0; }));
  std::vector<std::string> want_f = Expected(sink.last(), "f");
  std::vector<std::string> want_s = Expected(StaticGroups(statics), "s");
  ASSERT_FALSE(want_f.empty());

  // Prometheus's, once both jobs list as many targets as ours (its discovery batches updates
  // for up to 5s).
  std::vector<std::string> got_f, got_s;
  bool complete = testing::WaitUntil(
      [&] {
        // curl, because Prometheus answers this one chunked.
        testing::RunResult r =
            testing::Run({"curl", "-sf", "--max-time", "5",
                          "http://127.0.0.1:" + std::to_string(port) + "/api/v1/targets?state=any"},
                         10s);
        if (r.exit_code != 0) return false;
        got_f.clear();
        got_s.clear();
        boost::system::error_code ec;
        boost::json::value v = boost::json::parse(r.output, ec);
        if (ec) return false;
        const auto& data = v.at("data").as_object();
        for (const char* list : {"activeTargets", "droppedTargets"}) {
          for (const auto& t : data.at(list).as_array()) {
            std::map<std::string, std::string> m;
            for (const auto& [k, lv] : t.at("discoveredLabels").as_object()) {
              m[std::string(k)] = std::string(lv.as_string());
            }
            (m["job"] == "f" ? got_f : got_s).push_back(Key(m));
          }
        }
        return got_f.size() >= want_f.size() && got_s.size() >= want_s.size();
      },
      60s);
  ASSERT_TRUE(complete) << prom.log();
  std::sort(got_f.begin(), got_f.end());
  std::sort(got_s.begin(), got_s.end());
  EXPECT_EQ(got_f, want_f);
  EXPECT_EQ(got_s, want_s);

  // The files Prometheus refused are the ones we refuse.
  std::string log = prom.log();
  for (const auto& e : fs::directory_iterator(sd)) {
    const std::string path = e.path().string();
    Result<FileSdFormat> format = FileSdFormatFor(path);
    ASSERT_TRUE(format.ok());
    Result<std::vector<TargetGroup>> ours = ParseFileSd(testing::ReadFile(path), *format, path);
    const bool refused = log.find("msg=\"Error reading file\" path=" + path) != std::string::npos;
    EXPECT_EQ(!ours.ok(), refused) << path << (ours.ok() ? "" : ": " + ours.error().message());
  }
}

}  // namespace
}  // namespace tsdbd::scrape::discovery
