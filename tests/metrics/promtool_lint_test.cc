// The exposition must parse and lint clean with the real Prometheus 2.42 promtool.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>
#include <string>

#include "lib/metrics/process_collector.h"
#include "lib/metrics/registry.h"

namespace tsdbd::metrics {
namespace {

namespace fs = std::filesystem;

struct PipeCloser {
  void operator()(FILE* f) const {
    if (f != nullptr) status = ::pclose(f);
  }
  int& status;
};

// Runs "promtool check metrics" with text on its stdin; returns its exit code and output.
std::pair<int, std::string> PromtoolCheck(const std::string& text) {
  fs::path out = fs::temp_directory_path() / ("metrics-promtool-" + std::to_string(::getpid()));
  int status = -1;
  {
    std::unique_ptr<FILE, PipeCloser> pipe(
        ::popen(("promtool check metrics >" + out.string() + " 2>&1").c_str(), "w"),
        PipeCloser{status});
    if (!pipe) return {-1, "popen failed"};
    std::fwrite(text.data(), 1, text.size(), pipe.get());
  }
  std::stringstream output;
  output << std::ifstream(out).rdbuf();
  fs::remove(out);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output.str()};
}

TEST(PromtoolLintTest, ExpositionOfEveryKindPassesPromtoolCheckMetrics) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool not installed";
  }
  Registry r;
  Registration process = AddProcessCollector(r);
  CounterFamily& c = r.AddCounterFamily("tsdbd_test_requests_total", "Requests.", {"code", "path"});
  c.WithLabelValues({"200", "/a\"quoted\"\\back\nline"}).Inc();
  c.WithLabelValues({"500", ""}).Add(1e21);
  r.AddGauge("tsdbd_test_value", "Help with \\ and\nnewline.").Set(-1e-7);
  r.AddGaugeFamily("tsdbd_test_special", "Special values.", {"kind"})
      .WithLabelValues({"nan"})
      .Set(std::numeric_limits<double>::quiet_NaN());
  r.AddGaugeFamily("tsdbd_test_special_inf", "Special values.", {"kind"})
      .WithLabelValues({"inf"})
      .Set(-std::numeric_limits<double>::infinity());
  HistogramFamily& h =
      r.AddHistogramFamily("tsdbd_test_duration_seconds", "Durations.", {"handler"});
  h.WithLabelValues({"/metrics"}).Observe(0.3);
  r.AddHistogram("tsdbd_test_size_bytes", "Sizes.", ExponentialBuckets(1, 1000, 4)).Observe(5e6);

  std::string text = r.WriteText();
  auto [code, output] = PromtoolCheck(text);
  EXPECT_EQ(code, 0) << output << "\nfor\n" << text;
  EXPECT_EQ(output, "") << text;

  // And promtool does reject a broken exposition, so the check above means something.
  auto [bad_code, bad_output] = PromtoolCheck(text + "broken{ 1\n");
  EXPECT_NE(bad_code, 0) << bad_output;
}

}  // namespace
}  // namespace tsdbd::metrics
