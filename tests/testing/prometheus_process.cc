#include "tests/testing/prometheus_process.h"

#include <filesystem>

namespace tsdbd::testing {

PrometheusProcess::PrometheusProcess(const std::string& data_dir, const std::string& config_yaml,
                                     std::vector<std::string> extra_args, uint16_t port)
    : port_(port != 0 ? port : FreePort()), log_path_(dir_.path() + "/prometheus.log") {
  std::filesystem::create_directories(data_dir);
  const std::string config = dir_.WriteFile("prometheus.yml", config_yaml);
  std::vector<std::string> argv = {"prometheus", "--config.file=" + config,
                                   "--storage.tsdb.path=" + data_dir,
                                   "--web.listen-address=127.0.0.1:" + std::to_string(port_)};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  process_ = std::make_unique<ChildProcess>(argv, log_path_);
}

bool PrometheusProcess::WaitReady() {
  return WaitUntil(
             [&] {
               if (process_->Wait(std::chrono::milliseconds(0))) return true;
               return Get("/-/ready").status == 200;
             },
             std::chrono::seconds(60)) &&
         !process_->Wait(std::chrono::milliseconds(0));
}

}  // namespace tsdbd::testing
