// prometheus_target_interval_length_seconds, as tsdbd and Prometheus 2.42 expose it on their
// own /metrics after scraping the same target: the same family, help, type, labels and
// quantiles, line for line (the values are intervals measured by each, so only their form
// is compared).
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "tests/testing/process.h"
#include "tests/testing/prometheus_process.h"
#include "tests/testing/tsdbd_process.h"

namespace tsdbd {
namespace {

using namespace std::chrono_literals;

constexpr char kFamily[] = "prometheus_target_interval_length_seconds";

// The family's lines: "# HELP", "# TYPE" and samples, each sample split into its series and
// its value.
struct FamilyLines {
  std::vector<std::string> comments;
  std::vector<std::string> series;
  std::vector<double> values;
};

FamilyLines Extract(const std::string& body) {
  FamilyLines out;
  std::istringstream in(body);
  const std::string name(kFamily);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("# HELP " + name + " ") || line.starts_with("# TYPE " + name + " ")) {
      out.comments.push_back(line);
    } else if (line.starts_with(name)) {
      const size_t space = line.rfind(' ');
      out.series.push_back(line.substr(0, space));
      out.values.push_back(std::stod(line.substr(space + 1)));
    }
  }
  return out;
}

// The _count of the 1s interval; 0 while absent.
double Count1s(const std::string& body) {
  FamilyLines f = Extract(body);
  for (size_t i = 0; i < f.series.size(); ++i) {
    if (f.series[i] == std::string(kFamily) + "_count{interval=\"1s\"}") return f.values[i];
  }
  return 0;
}

TEST(IntervalLengthTest, SameSummaryShapeAsPrometheus) {
  if (!testing::HaveProgram("prometheus")) GTEST_SKIP() << "prometheus not installed";
  testing::TempDir dir;
  dir.WriteFile("www/metrics", "app_up 1\n");
  const uint16_t fixture_port = testing::FreePort();
  testing::ChildProcess fixture({"python3", "-m", "http.server", "--bind", "127.0.0.1",
                                 std::to_string(fixture_port), "--directory", dir.path() + "/www"});
  const std::string config =
      "global: {scrape_interval: 1s}\n"
      "scrape_configs:\n"
      "  - job_name: fixture\n"
      "    static_configs: [{targets: ['127.0.0.1:" +
      std::to_string(fixture_port) + "']}]\n";
  testing::TsdbdProcess tsdbd(TSDBD_BINARY, dir.WriteFile("prometheus.yml", config));
  testing::PrometheusProcess prometheus(dir.path() + "/prometheus-data", config);
  ASSERT_TRUE(tsdbd.WaitReady()) << tsdbd.log();
  ASSERT_TRUE(prometheus.WaitReady()) << prometheus.log();

  // Three scrapes give two intervals in each.
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        return Count1s(tsdbd.Get("/metrics").body) >= 2 &&
               Count1s(prometheus.Get("/metrics").body) >= 2;
      },
      30s))
      << tsdbd.Get("/metrics").body;

  const FamilyLines ours = Extract(tsdbd.Get("/metrics").body);
  const FamilyLines theirs = Extract(prometheus.Get("/metrics").body);
  EXPECT_EQ(ours.comments, theirs.comments);
  EXPECT_EQ(ours.series, theirs.series);
  ASSERT_EQ(ours.series.size(), 7u);  // five quantiles, _sum, _count
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_TRUE(std::isfinite(ours.values[i]) && ours.values[i] > 0) << ours.series[i];
    if (i > 0) {
      EXPECT_LE(ours.values[i - 1], ours.values[i]) << ours.series[i];
    }
  }
  // The sum of the intervals lies between count times the smallest and the largest kept.
  EXPECT_GE(ours.values[5], ours.values[6] * ours.values[0] * (1 - 1e-9));
}

}  // namespace
}  // namespace tsdbd
