// A tsdbd server started for a test: its own data directory, a free port on 127.0.0.1,
// its log kept for failure messages.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tests/testing/http_client.h"
#include "tests/testing/process.h"

namespace tsdbd::testing {

class TsdbdProcess {
 public:
  // Starts `binary` with --web.listen-address=127.0.0.1:<free port>,
  // --storage.tsdb.path=<dir>/data (unless extra_args name another, which then outlives the
  // process) and --config.file=<config_path>, then `extra_args`.
  TsdbdProcess(const std::string& binary, const std::string& config_path,
               std::vector<std::string> extra_args = {});

  // Waits (bounded) until /-/ready answers 200; false when the process died or timed out.
  bool WaitReady();

  uint16_t port() const { return port_; }
  ChildProcess& process() { return *process_; }
  std::string log() const { return ReadFile(log_path_); }
  const std::string& data_dir() const { return data_dir_; }
  HttpResponse Get(const std::string& target) const { return testing::Get(port_, target); }

 private:
  TempDir dir_;
  uint16_t port_;
  std::string data_dir_;
  std::string log_path_;
  std::string route_prefix_;  // from a --web.route-prefix= among the extra arguments
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace tsdbd::testing
