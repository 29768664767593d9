#include "tests/testing/tsdbd_process.h"

namespace tsdbd::testing {

TsdbdProcess::TsdbdProcess(const std::string& binary, const std::string& config_path,
                           std::vector<std::string> extra_args)
    : port_(FreePort()), data_dir_(dir_.path() + "/data"), log_path_(dir_.path() + "/tsdbd.log") {
  std::vector<std::string> argv = {binary,
                                   "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                   "--config.file=" + config_path};
  bool own_data_dir = true;
  for (const std::string& arg : extra_args) {
    if (arg.starts_with("--web.route-prefix=")) route_prefix_ = arg.substr(19);
    if (arg.starts_with("--storage.tsdb.path=")) {
      data_dir_ = arg.substr(20);
      own_data_dir = false;
    }
  }
  if (own_data_dir) argv.push_back("--storage.tsdb.path=" + data_dir_);
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  process_ = std::make_unique<ChildProcess>(argv, log_path_);
}

bool TsdbdProcess::WaitReady() {
  return WaitUntil([&] {
    if (process_->Wait(std::chrono::milliseconds(0))) return true;  // died: stop waiting
    return Get(route_prefix_ + "/-/ready").status == 200;
  }) && !process_->Wait(std::chrono::milliseconds(0));
}

}  // namespace tsdbd::testing
