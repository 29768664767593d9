// One target's scrape loop, as Prometheus 2.42's scrapeLoop: every interval, at a stable
// offset within it, GET the target, ingest the body into one appender batch, append the
// synthetic series, and keep the target's health for the API.
//
// Timing: the loop's offset within its interval is (key ^ jitter_seed) mod interval, where
// key hashes the target's labels and URL and the seed is per process (the Manager derives it
// from the host name and external labels, as Prometheus does); scrapes then start at the
// wall-clock instants t with t mod interval == offset. A scrape slower than the interval
// skips the ticks it missed. Timestamps within 2 ms of the scheduled instant are aligned
// to it (Prometheus's scrape timestamp tolerance), which keeps deltas constant.
//
// Everything runs on the IoRuntime's threads (one Asio strand per loop); nothing blocks an
// I/O thread. Stop and Abort block and must not be called from an I/O thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lib/config/config.h"
#include "lib/model/result.h"
#include "lib/scrape/loop/scrape_ingester.h"
#include "lib/scrape/loop/scrape_metrics.h"
#include "lib/scrape/loop/target_status.h"
#include "lib/scrape/target/target.h"
#include "lib/storage/appender.h"

namespace tsdbd::net {
class IoRuntime;
class HttpClient;
}  // namespace tsdbd::net

namespace tsdbd::scrape {

// The User-Agent of every scrape.
inline constexpr std::string_view kScrapeUserAgent = "Prometheus/2.42.0";

class ScrapeLoop : public std::enable_shared_from_this<ScrapeLoop> {
 public:
  struct Deps {
    net::IoRuntime* runtime;                  // must outlive the loop's activity
    std::shared_ptr<net::HttpClient> client;  // the pool's
    storage::Appendable* appendable;          // must outlive the loop's activity
    ScrapeMetrics* metrics;                   // must outlive the loop's activity
  };

  // A loop for `target` of the job `cfg` (limits, honor_*, metric_relabel_configs and
  // body_size_limit are copied). Not started.
  static std::shared_ptr<ScrapeLoop> Create(Deps deps, const config::ScrapeConfig& cfg,
                                            Target target, uint64_t jitter_seed);
  ~ScrapeLoop();
  ScrapeLoop(const ScrapeLoop&) = delete;
  ScrapeLoop& operator=(const ScrapeLoop&) = delete;

  // Starts scraping (first scrape at the loop's offset). Once only.
  void Start();

  // Stops scraping: a request in flight is cancelled and nothing of it is appended. Returns
  // once no scrape runs. Unless DisableEndOfRunStaleness was called, stale markers for the
  // last scrape's series (and the synthetic ones) are then appended at the instant of the
  // next scheduled scrape, a tenth of an interval after it (Prometheus's end-of-run
  // staleness); Abort cancels that. Idempotent.
  void Stop();

  // Stops everything, pending end-of-run staleness included, and returns once no handler
  // of this loop runs or will run (Prometheus's shutdown: no stale markers). Idempotent.
  void Abort();

  // For a loop replaced by another one scraping the same series (a changed config).
  void DisableEndOfRunStaleness();

  // Every scrape fails with `error` (without a request) until cleared with "".
  void SetForcedError(std::string error);

  // Whether Stop or Abort finished everything, end-of-run staleness included.
  bool Done() const;

  uint64_t key() const { return key_; }
  // A snapshot for the API (thread-safe).
  TargetStatus Status() const;
  // Keeps the loop but shows other discovered labels (same labels after relabeling).
  void SetDiscovered(Labels discovered);
  std::vector<MetricMetadata> Metadata() const { return ingester_.Metadata(); }
  const Target& target() const { return target_; }

  struct Io;  // Asio objects (strand, timer), defined in the .cc

 private:
  enum class Phase { kIdle, kRunning, kEnding, kDone };

  ScrapeLoop(Deps deps, const config::ScrapeConfig& cfg, Target target, uint64_t jitter_seed);

  // On the strand.
  void ScheduleFirst();
  void ScheduleNext();
  void OnTick();
  void OnScraped(Result<std::string> body, std::string content_type, int64_t t_ms,
                 std::chrono::steady_clock::time_point start);
  void Finish();
  void OnEndOfRun();
  bool StopRequested();
  void SetPhase(Phase phase);
  void CancelOnStrand();

  const Deps deps_;
  const Target target_;
  const std::string pool_;
  const uint64_t key_;
  const uint64_t jitter_seed_;
  const int64_t body_size_limit_;
  const std::string interval_label_;  // the interval as Prometheus prints it
  std::unique_ptr<Io> io_;

  // Touched on the strand only.
  ScrapeIngester ingester_;
  std::chrono::steady_clock::time_point next_tick_{};
  std::chrono::steady_clock::time_point last_start_{};
  int64_t last_t_ms_ = 0;  // timestamp of the last scrape; 0 before the first

  mutable std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  Phase phase_ = Phase::kIdle;
  bool stop_requested_ = false;
  bool abort_requested_ = false;
  bool end_of_run_ = true;
  std::string forced_error_;
  TargetStatus status_;
};

}  // namespace tsdbd::scrape
