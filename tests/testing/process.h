// Child processes, temporary directories and bounded waiting for tests that drive real
// binaries (tsdbd, prometheus, promtool).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tsdbd::testing {

// A started process, killed (SIGKILL) and reaped on destruction if still running.
class ChildProcess {
 public:
  // Starts argv[0] (looked up in PATH) with argv; stdout and stderr go to log_path
  // (appended), or to /dev/null when it is empty. Aborts the test binary if fork fails.
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_path = "");
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  void Signal(int sig) const;
  // Waits for the exit up to `timeout`: the exit code, 128 + signal number when a signal
  // ended it, or nullopt when it is still running.
  std::optional<int> Wait(std::chrono::milliseconds timeout);

 private:
  pid_t pid_;
  std::optional<int> exit_code_;
};

struct RunResult {
  int exit_code = -1;  // -1: did not finish in time (it was killed)
  std::string output;  // stdout and stderr together
};

// Runs argv to completion (bounded by `timeout`) and collects its output.
RunResult Run(const std::vector<std::string>& argv,
              std::chrono::milliseconds timeout = std::chrono::seconds(60));

// A fresh directory under $TMPDIR (or /tmp), removed with its content on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // Writes `content` to path()/name and returns the full path.
  std::string WriteFile(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

// Polls `condition` every 20 ms until it holds or `timeout` passes; returns whether it held.
bool WaitUntil(const std::function<bool()>& condition,
               std::chrono::milliseconds timeout = std::chrono::seconds(20));

// A TCP port on 127.0.0.1 that was free a moment ago.
uint16_t FreePort();

// Whether an executable named `name` is on PATH.
bool HaveProgram(const std::string& name);

// The whole content of a file ("" when it cannot be read).
std::string ReadFile(const std::string& path);

}  // namespace tsdbd::testing
