// The running tsdbd: configuration, data directory, HTTP server, and their lifecycle.
#pragma once

#include <atomic>
#include <boost/json/object.hpp>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "cmd/tsdbd/deferred_storage.h"
#include "cmd/tsdbd/flags.h"
#include "lib/metrics/registry.h"
#include "lib/model/result.h"
#include "lib/model/time_format.h"
#include "lib/tsdb/head/wal_replay_status.h"

namespace tsdbd {

namespace config {
struct Config;
}
namespace net {
class IoRuntime;
}
namespace scrape {
class ScrapeManager;
namespace discovery {
class Manager;
class Metrics;
}  // namespace discovery
}  // namespace scrape
namespace http {
class Router;
class Server;
}  // namespace http
namespace tsdb {
class DB;
class DirLock;
}  // namespace tsdb
namespace promql {
class Engine;
}
namespace http::api {
class WorkPool;
}
class SelfMetrics;

class Daemon {
 public:
  explicit Daemon(Flags flags);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Loads the configuration, locks the data directory and starts serving. An error (bad
  // config file, directory locked, address in use) leaves nothing running.
  Status Start();

  // Blocks, carrying out reload requests, until a shutdown is requested; then stops
  // accepting connections, finishes in-flight requests and releases the data directory.
  void Run();

  // Thread-safe; may be called before Run(). `done` (optional) gets the reload's outcome.
  void RequestReload(std::function<void(Status)> done = {});
  void RequestShutdown();

  // The port the HTTP server listens on (after Start()).
  uint16_t port() const;

 private:
  // Loads the config file; on success it becomes the config in force, on error the old one
  // stays. Either way the outcome is logged and exported as metrics.
  Status ApplyConfig();
  std::string ConfigYaml() const;
  // /api/v1/status/runtimeinfo's data.
  boost::json::object RuntimeInfo() const;
  // Opens the blocks and the head (replaying the WAL) of the data directory.
  Status OpenStorage();
  // Starts service discovery and scraping on the config in force.
  Status StartScraping();
  // Hands a newly loaded config to the running subsystems.
  Status ApplyToSubsystems(const config::Config& cfg);
  void CloseStorage();
  void AddRoutes(http::Router& router);

  const Flags flags_;
  const SystemTime start_time_;
  std::unique_ptr<SelfMetrics> metrics_;
  std::unique_ptr<tsdb::DirLock> dir_lock_;
  std::unique_ptr<tsdb::DB> db_;
  const std::shared_ptr<tsdb::WalReplayStatus> wal_replay_ =
      std::make_shared<tsdb::WalReplayStatus>();
  DeferredStorage<tsdb::DB> storage_;  // what the routes read and write
  metrics::Registration tsdb_metrics_;
  std::unique_ptr<promql::Engine> engine_;
  std::unique_ptr<http::api::WorkPool> query_pool_;
  std::unique_ptr<http::api::WorkPool> write_pool_;
  std::unique_ptr<net::IoRuntime> io_;  // all network I/O runs on it
  std::unique_ptr<scrape::discovery::Metrics> sd_metrics_;
  std::unique_ptr<scrape::ScrapeManager> scrape_;
  std::unique_ptr<scrape::discovery::Manager> discovery_;  // feeds scrape_
  std::unique_ptr<http::Server> server_;
  std::atomic<bool> ready_ = false;  // storage open and serving

  mutable std::mutex config_mu_;
  std::shared_ptr<const config::Config> config_;  // guarded by config_mu_
  std::string config_yaml_;                       // guarded by config_mu_
  bool last_reload_ok_ = false;                   // guarded by config_mu_
  SystemTime last_reload_time_{};                 // guarded by config_mu_

  std::mutex events_mu_;
  std::condition_variable events_cv_;
  std::deque<std::function<void(Status)>> reloads_;  // guarded by events_mu_
  bool shutdown_requested_ = false;                  // guarded by events_mu_
};

}  // namespace tsdbd
