// tsdbd: parses the command line, then serves until SIGTERM/SIGINT (or /-/quit); SIGHUP
// reloads the configuration.
#include <fmt/format.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <thread>

#include "cmd/tsdbd/build_info.h"
#include "cmd/tsdbd/daemon.h"
#include "cmd/tsdbd/flags.h"
#include "cmd/tsdbd/logging.h"
#include "lib/config/check_config.h"

namespace {

// Signals are taken synchronously by one thread, so handlers need not be signal-safe.
sigset_t HandledSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

// Sleeps until a signal comes (no polling: an idle server should not wake). To end it, request
// its stop and then send the thread one of its signals (StopSignalWatcher).
void WatchSignals(std::stop_token stop, tsdbd::Daemon& daemon) {
  const sigset_t set = HandledSignals();
  while (true) {
    const int sig = sigwaitinfo(&set, nullptr);
    if (stop.stop_requested()) return;
    if (sig < 0) continue;
    if (sig == SIGHUP) {
      daemon.RequestReload();
    } else {
      spdlog::warn("Received {}, exiting gracefully...", sig == SIGINT ? "SIGINT" : "SIGTERM");
      daemon.RequestShutdown();
    }
  }
}

void StopSignalWatcher(std::jthread& watcher) {
  watcher.request_stop();
  pthread_kill(watcher.native_handle(), SIGTERM);
  watcher.join();
}

}  // namespace

int main(int argc, char** argv) {
  auto cl = tsdbd::ParseCommandLine(std::vector<std::string>(argv + 1, argv + argc));
  if (!cl.ok()) {
    std::cerr << "tsdbd: error: " << cl.error().message() << ", try --help\n";
    return 2;
  }
  switch (cl->action) {
    case tsdbd::CommandLine::Action::kHelp:
      std::cout << tsdbd::UsageText();
      return 0;
    case tsdbd::CommandLine::Action::kVersion:
      std::cout << fmt::format(
          "tsdbd, version {} (branch: {}, revision: {})\n  build user:       {}\n"
          "  build date:       {}\n  compiler:         {}\n  prometheus:       {}\n",
          tsdbd::build::kVersion, tsdbd::build::kBranch, tsdbd::build::kRevision,
          tsdbd::build::kBuildUser, tsdbd::build::kBuildDate, tsdbd::build::kCompiler,
          tsdbd::build::kPrometheusVersion);
      return 0;
    case tsdbd::CommandLine::Action::kCheckConfig:
      return tsdbd::config::RunCheckConfig(cl->check_files, std::cout, std::cerr);
    case tsdbd::CommandLine::Action::kServe:
      break;
  }

  const sigset_t signals = HandledSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread starts: all inherit it
  tsdbd::SetupLogging(cl->flags.log_level, cl->flags.log_format);
  if (!cl->flags.as_strings.at("alertmanager.timeout").empty()) {
    spdlog::warn(
        "The flag --alertmanager.timeout has no effect and will be removed in the future.");
  }

  tsdbd::Daemon daemon(cl->flags);
  if (tsdbd::Status s = daemon.Start(); !s.ok()) {
    spdlog::error("{}", s.message());
    return 1;
  }
  std::jthread signal_watcher(WatchSignals, std::ref(daemon));
  daemon.Run();
  StopSignalWatcher(signal_watcher);
  return 0;
}
