// The targets of one scrape job and their loops, as Prometheus 2.42's scrapePool.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "lib/config/config.h"
#include "lib/model/result.h"
#include "lib/scrape/discovery/target_group.h"
#include "lib/scrape/loop/scrape_loop.h"
#include "lib/scrape/loop/scrape_metrics.h"
#include "lib/scrape/loop/target_status.h"

namespace tsdbd::scrape {

// Sync, Reload, Stop and Abort are serialized by the caller (the Manager) and block (not on
// an I/O thread); the snapshots are thread-safe.
class ScrapePool {
 public:
  // A pool for `cfg`; an error when its HTTP client cannot be made (files, proxy_url...).
  // runtime, appendable and metrics must outlive the pool.
  static Result<std::unique_ptr<ScrapePool>> Create(const config::ScrapeConfig& cfg,
                                                    net::IoRuntime& runtime,
                                                    storage::Appendable& appendable,
                                                    ScrapeMetrics& metrics, uint64_t jitter_seed);
  ~ScrapePool();  // Abort()
  ScrapePool(const ScrapePool&) = delete;
  ScrapePool& operator=(const ScrapePool&) = delete;

  // Makes the pool's targets those of `groups`: loops start for new targets, stop (with
  // end-of-run stale markers) for removed ones; a target with the same labels and URL as
  // before keeps its loop without a gap. Targets with equal labels and URL are one. Targets
  // that Prometheus refuses are logged and skipped; dropped ones are listed as dropped.
  // Beyond target_limit every target's scrapes fail with "target_limit exceeded ...".
  void Sync(const std::vector<discovery::TargetGroup>& groups);

  // A changed config: every loop is replaced by one with the new config (the old ones stop
  // without stale markers, as the new ones scrape the same series).
  Status Reload(const config::ScrapeConfig& cfg);

  // The job is gone: every loop stops, with end-of-run stale markers.
  void Stop();
  // Shutdown: everything stops now, no stale markers.
  void Abort();

  // Whether a stopped pool has nothing left to do (end-of-run stale markers written).
  bool Done();

  const config::ScrapeConfig& config() const { return *cfg_; }
  std::vector<TargetStatus> ActiveTargets() const;
  std::vector<DroppedTarget> DroppedTargets() const;
  std::vector<TargetMetadata> Metadata() const;

 private:
  ScrapePool(const config::ScrapeConfig& cfg, std::shared_ptr<net::HttpClient> client,
             net::IoRuntime& runtime, storage::Appendable& appendable, ScrapeMetrics& metrics,
             uint64_t jitter_seed);
  std::shared_ptr<ScrapeLoop> NewLoop(Target target);
  void ApplyTargetLimit();  // requires targets in loops_
  void PruneEnding();

  const std::string job_;
  std::unique_ptr<config::ScrapeConfig> cfg_;  // stable address for TargetPopulator
  std::shared_ptr<net::HttpClient> client_;
  net::IoRuntime& runtime_;
  storage::Appendable& appendable_;
  ScrapeMetrics& metrics_;
  const uint64_t jitter_seed_;
  std::vector<discovery::TargetGroup> groups_;  // the last synced, for Reload

  mutable std::mutex mu_;  // guards loops_ and dropped_ (the snapshots)
  std::map<uint64_t, std::shared_ptr<ScrapeLoop>> loops_;  // by target key
  std::vector<Labels> dropped_;
  // Loops stopped but maybe still to write end-of-run stale markers.
  std::vector<std::shared_ptr<ScrapeLoop>> ending_;
};

}  // namespace tsdbd::scrape
