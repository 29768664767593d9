// file_sd_configs: target groups read from JSON and YAML files, re-read when their
// directories change (inotify) and every refresh_interval.
#pragma once

#include <atomic>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "lib/config/config.h"
#include "lib/scrape/discovery/discoverer.h"
#include "lib/scrape/discovery/metrics.h"
#include "lib/scrape/discovery/wake_fd.h"

namespace tsdbd::scrape::discovery {

// Each refresh expands the globs (only the last path element may hold one), reads every
// matching file and reports the groups of all of them, in pattern then name order. A file
// that fails to read or parse keeps its previous groups (the error is logged and counted in
// prometheus_sd_file_read_errors_total); a file that no longer matches drops its groups.
class FileDiscoverer : public Discoverer {
 public:
  // `metrics` must outlive the discoverer.
  FileDiscoverer(config::FileSdConfig config, Metrics& metrics);
  ~FileDiscoverer() override;

  void Start(UpdateFn on_update) override;
  void Stop() override;

 private:
  void Run();
  void Refresh();
  void WatchDirectories();

  const config::FileSdConfig config_;
  Metrics& metrics_;
  UpdateFn on_update_;
  WakeFd wake_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;

  // Owned by the thread:
  int inotify_fd_ = -1;
  std::map<std::string, int> watches_;  // directory -> watch descriptor
  std::set<std::string> unwatchable_;   // directories whose watch failed (logged once)
  std::map<std::string, std::vector<TargetGroup>> files_;  // the last good groups per file
  GroupDiffer differ_;
};

}  // namespace tsdbd::scrape::discovery
