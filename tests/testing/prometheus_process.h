// A real Prometheus (Debian's 2.42) started for a test on 127.0.0.1: the reference that
// tsdbd's behaviour is compared with.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tests/testing/http_client.h"
#include "tests/testing/process.h"

namespace tsdbd::testing {

class PrometheusProcess {
 public:
  // Starts `prometheus` with its data in `data_dir` (created if missing), the given config
  // text, `port` on 127.0.0.1 (0: a free one), and `extra_args`. Check
  // HaveProgram("prometheus") first.
  PrometheusProcess(const std::string& data_dir, const std::string& config_yaml,
                    std::vector<std::string> extra_args = {}, uint16_t port = 0);

  // Waits (bounded) until /-/ready answers 200; false when it died or timed out.
  bool WaitReady();

  uint16_t port() const { return port_; }
  ChildProcess& process() { return *process_; }
  std::string log() const { return ReadFile(log_path_); }
  HttpResponse Get(const std::string& target) const { return testing::Get(port_, target); }

 private:
  TempDir dir_;  // config and log
  uint16_t port_;
  std::string log_path_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace tsdbd::testing
