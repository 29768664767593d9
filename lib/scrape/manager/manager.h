// The scrape manager: one ScrapePool per scrape job, fed by ApplyConfig and by discovery
// updates, as Prometheus 2.42's scrape.Manager; and the snapshots the HTTP API reads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lib/config/config.h"
#include "lib/metrics/registry.h"
#include "lib/model/result.h"
#include "lib/scrape/discovery/manager.h"
#include "lib/scrape/loop/scrape_metrics.h"
#include "lib/scrape/loop/target_status.h"
#include "lib/storage/appender.h"

namespace tsdbd::net {
class IoRuntime;
}

namespace tsdbd::scrape {

class ScrapePool;

struct ScrapeManagerOptions {
  // Seeds every loop's offset within its interval. 0: derived from the host name and the
  // external labels at each ApplyConfig, as Prometheus does (stable across restarts).
  uint64_t jitter_seed = 0;
};

// Thread-safe. ApplyConfig, OnDiscoveryUpdate and Stop block while loops stop (must not be
// called from an I/O thread); the snapshot methods never wait for a scrape.
class ScrapeManager {
 public:
  // runtime, appendable and registry must outlive the manager; the runtime must run.
  ScrapeManager(net::IoRuntime& runtime, storage::Appendable& appendable,
                metrics::Registry& registry, ScrapeManagerOptions options = {});
  ~ScrapeManager();  // Stop()
  ScrapeManager(const ScrapeManager&) = delete;
  ScrapeManager& operator=(const ScrapeManager&) = delete;

  // Creates pools for new jobs (with the job's last discovered targets), reloads the pools
  // whose scrape config changed (their loops restart), keeps unchanged pools running, and
  // stops pools whose job is gone (with stale markers). An error
  // ("failed to apply the new configuration") when a pool could not be made or reloaded;
  // the other pools are updated all the same.
  Status ApplyConfig(const config::Config& cfg);

  // The full target groups of every job, as discovery::Manager delivers them (pass this as
  // its on_update). Jobs without a scrape config are kept for a later ApplyConfig.
  void OnDiscoveryUpdate(const discovery::JobGroups& groups);

  // Stops every loop now, cancelling requests in flight. Like Prometheus 2.42 on shutdown,
  // it appends no stale markers. Idempotent; later calls of the other methods do nothing.
  void Stop();

  // Snapshots for /api/v1/targets, /api/v1/targets/metadata and /api/v1/metadata; targets
  // are ordered by pool, then by scrape URL.
  std::vector<TargetStatus> ActiveTargets() const;
  std::vector<DroppedTarget> DroppedTargets() const;
  std::vector<std::string> ScrapePools() const;  // job names, sorted
  std::vector<TargetMetadata> TargetsMetadata() const;

 private:
  net::IoRuntime& runtime_;
  storage::Appendable& appendable_;
  const ScrapeManagerOptions options_;
  ScrapeMetrics metrics_;

  std::mutex apply_mu_;    // serializes ApplyConfig, OnDiscoveryUpdate and Stop
  mutable std::mutex mu_;  // guards pools_ (the map; pools have their own locks)
  std::map<std::string, std::unique_ptr<ScrapePool>> pools_;
  // Pools of removed jobs until their loops wrote end-of-run stale markers (apply_mu_).
  std::vector<std::unique_ptr<ScrapePool>> retired_;
  std::map<std::string, config::ScrapeConfig> configs_;  // by job (apply_mu_)
  discovery::JobGroups groups_;                          // last delivery (apply_mu_)
  uint64_t jitter_seed_ = 0;                             // apply_mu_
  bool stopped_ = false;                                 // apply_mu_
};

}  // namespace tsdbd::scrape
