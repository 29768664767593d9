// The discovery manager: runs the discoverers of every scrape job (or Alertmanager list) and
// delivers all their groups per job, batched, as Prometheus 2.42's discovery.Manager.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "lib/config/config.h"
#include "lib/scrape/discovery/discoverer.h"
#include "lib/scrape/discovery/dns_discoverer.h"
#include "lib/scrape/discovery/metrics.h"

namespace tsdbd::scrape::discovery {

struct ManagerOptions {
  std::string name = "scrape";  // the "name" label of the sd metrics: scrape or notify
  // At most one delivery per interval (Prometheus: 5s). The first delivery after
  // ApplyConfig goes out as soon as every new discoverer has reported once.
  std::chrono::milliseconds update_interval{5000};
  DnsOptions dns;
};

// job name -> every group of the job's discoverers (static, then file, then DNS, each in
// config order). A job without any discovery config has one empty static group "0".
using JobGroups = std::map<std::string, std::vector<TargetGroup>>;

class Manager {
 public:
  // on_update receives the full state of every job after changes, on the manager's thread,
  // never concurrently with itself. `metrics` must outlive the manager.
  Manager(ManagerOptions options, Metrics& metrics,
          std::function<void(const JobGroups&)> on_update);
  ~Manager();  // Stop()
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // Replaces the set of jobs. A discoverer whose job and config are unchanged keeps running
  // with its current groups (no gap, no re-resolution); the others are stopped or started.
  // Jobs that disappear are absent from the next delivery. Thread-safe.
  void ApplyConfig(const std::map<std::string, config::ServiceDiscovery>& jobs);

  // Stops every discoverer and the delivery thread; no on_update call runs after it returns.
  void Stop();

 private:
  enum class Kind { kStatic, kFile, kDns };
  struct Provider {
    uint64_t id;
    std::string job;
    Kind kind;
    std::vector<config::StaticConfig> static_configs;  // kStatic
    config::FileSdConfig file;                         // kFile
    config::DnsSdConfig dns;                           // kDns
    std::unique_ptr<Discoverer> discoverer;
    std::vector<TargetGroup> groups;
    bool reported = false;
  };

  bool SameConfig(const Provider& a, const Provider& b) const;
  std::unique_ptr<Discoverer> Make(const Provider& p);
  void OnProviderUpdate(uint64_t id, std::vector<TargetGroup> groups);
  void Run();
  JobGroups Snapshot();  // requires mu_

  const ManagerOptions options_;
  Metrics& metrics_;
  const std::function<void(const JobGroups&)> on_update_;

  std::mutex apply_mu_;  // serializes ApplyConfig and Stop
  std::mutex mu_;        // guards everything below
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Provider>> providers_;  // in job, then config order
  std::vector<std::string> jobs_;
  std::vector<std::string> exported_jobs_;  // jobs with a discovered_targets child
  uint64_t next_id_ = 1;
  bool dirty_ = false;
  bool awaiting_first_ = false;  // since ApplyConfig, nothing delivered yet
  bool stopping_ = false;
  std::chrono::steady_clock::time_point last_delivery_{};
  std::chrono::steady_clock::time_point applied_{};  // of the last ApplyConfig
  std::thread thread_;
};

}  // namespace tsdbd::scrape::discovery
