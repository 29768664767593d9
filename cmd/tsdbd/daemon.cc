#include "cmd/tsdbd/daemon.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/json/object.hpp>
#include <cstring>
#include <filesystem>
#include <thread>

#include "cmd/tsdbd/build_info.h"
#include "cmd/tsdbd/self_metrics.h"
#include "cmd/tsdbd/tsdb_metrics.h"
#include "lib/config/config.h"
#include "lib/http/api/admin_routes.h"
#include "lib/http/api/metadata_routes.h"
#include "lib/http/api/query_routes.h"
#include "lib/http/api/status_routes.h"
#include "lib/http/api/target_routes.h"
#include "lib/http/api/tsdb_status.h"
#include "lib/http/api/work_pool.h"
#include "lib/http/api/write_routes.h"
#include "lib/http/server.h"
#include "lib/http/web/targets_page.h"
#include "lib/http/web_routes.h"
#include "lib/metrics/registry.h"
#include "lib/model/byte_size.h"
#include "lib/model/timestamp.h"
#include "lib/net/io_runtime.h"
#include "lib/promql/engine/engine.h"
#include "lib/scrape/discovery/manager.h"
#include "lib/scrape/discovery/metrics.h"
#include "lib/scrape/manager/manager.h"
#include "lib/tsdb/db/db.h"
#include "lib/tsdb/dir_lock.h"

namespace tsdbd {
namespace {

constexpr auto kShutdownGrace = std::chrono::seconds(20);
// Threads of the one io_context that carries all network I/O (HTTP server, scrapes).
constexpr int kIoThreads = 2;
// Remote-write requests decode and append on their own threads, apart from queries.
constexpr int kWriteThreads = 2;

boost::json::object BuildInfo() {
  return {{"version", build::kPrometheusVersion},
          {"revision", build::kRevision},
          {"branch", build::kBranch},
          {"buildUser", build::kBuildUser},
          {"buildDate", build::kBuildDate},
          {"goVersion", build::kCompiler}};
}

// The port part of --web.listen-address.
std::string ListenPort(const Flags& f) {
  const size_t colon = f.listen_address.rfind(':');
  return colon == std::string::npos ? "" : f.listen_address.substr(colon + 1);
}

// --web.external-url, or what Prometheus derives without it: http://<hostname>:<port>/.
std::string ExternalUrl(const Flags& f) {
  if (!f.external_url.empty()) return f.external_url;
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) std::strcpy(host, "localhost");
  return fmt::format("http://{}:{}{}", host, ListenPort(f), f.route_prefix);
}

std::string RetentionText(const Flags& f) {
  std::string out;
  if (f.retention_time.count() != 0) out = FormatDuration(f.retention_time);
  if (f.retention_size != 0) {
    out += (out.empty() ? "" : " or ") + FormatByteSize(f.retention_size);
  }
  return out;
}

}  // namespace

Daemon::Daemon(Flags flags)
    : flags_(std::move(flags)),
      start_time_(std::chrono::system_clock::now()),
      metrics_(std::make_unique<SelfMetrics>(metrics::DefaultRegistry())) {}

Daemon::~Daemon() = default;

Status Daemon::Start() {
  spdlog::info("Starting tsdbd version={} revision={} (Prometheus {} compatible)", build::kVersion,
               build::kRevision, build::kPrometheusVersion);
  if (Status s = ApplyConfig(); !s.ok()) return s;

  if (!flags_.no_lockfile) {
    auto lock = tsdb::DirLock::Acquire(flags_.storage_path);
    if (!lock.ok()) return lock.error();
    dir_lock_ = std::move(*lock);
  } else {
    std::error_code ec;
    std::filesystem::create_directories(flags_.storage_path, ec);
  }

  engine_ = std::make_unique<promql::Engine>(promql::EngineOptions{
      .lookback_delta = flags_.lookback_delta,
      .max_samples = flags_.query_max_samples,
      .timeout = flags_.query_timeout,
      .default_evaluation_interval = config_->global.evaluation_interval,
  });
  query_pool_ = std::make_unique<http::api::WorkPool>(flags_.query_max_concurrency);
  write_pool_ = std::make_unique<http::api::WorkPool>(kWriteThreads);

  io_ = std::make_unique<net::IoRuntime>(kIoThreads);
  if (Status s = io_->Start(); !s.ok()) return s;
  // Scraping appends to storage_, which forwards to the head once it is open.
  scrape_ = std::make_unique<scrape::ScrapeManager>(*io_, storage_, metrics::DefaultRegistry());

  // The server comes up first so that /-/healthy answers while the WAL replays; the API
  // and /-/ready answer 503 until storage is open.
  http::Router router;
  AddRoutes(router);
  http::ServerOptions options;
  options.listen_address = flags_.listen_address;
  options.route_prefix = flags_.route_prefix;
  options.max_connections = flags_.max_connections;
  options.read_timeout = flags_.read_timeout;
  options.web_config_file = flags_.web_config_file;
  server_ = std::make_unique<http::Server>(
      *io_, options, std::move(router),
      [m = metrics_.get()](std::string_view handler, int code, double seconds) {
        m->ObserveRequest(handler, code, seconds);
      });
  if (Status s = server_->Start(); !s.ok()) {
    server_.reset();
    return Error("start web server: " + s.message());
  }
  spdlog::info("Listening on {} (port {})", flags_.listen_address, server_->port());

  if (Status s = OpenStorage(); !s.ok()) return s;
  if (Status s = StartScraping(); !s.ok()) return s;
  ready_ = true;
  metrics_->SetReady(true);
  spdlog::info("Server is ready to receive web requests.");
  return Status::Ok();
}

Status Daemon::OpenStorage() {
  const auto started = std::chrono::steady_clock::now();
  tsdb::DbOptions options;
  options.dir = flags_.storage_path;
  options.min_block_duration_ms = flags_.min_block_duration.count();
  options.max_block_duration_ms = flags_.max_block_duration.count();
  options.retention_ms = flags_.retention_time.count();
  options.retention_bytes = flags_.retention_size;
  options.wal_compression = flags_.wal_compression;
  options.replay_status = wal_replay_;
  auto db = tsdb::DB::Open(options);
  if (!db.ok()) return Error("opening storage failed: " + db.error().message());
  db_ = std::move(*db);
  const tsdb::HeadReplayStats& replay = db_->head().replay_stats();
  spdlog::info("TSDB started in {:.3f}s: {} blocks; WAL replay: {} series, {} samples{}",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
               db_->Blocks().size(), replay.series, replay.samples,
               replay.corruption.empty() ? "" : " (repaired: " + replay.corruption + ")");
  tsdb_metrics_ = AddTsdbMetrics(metrics::DefaultRegistry(), *db_);
  storage_.Set(db_.get());
  return Status::Ok();
}

Status Daemon::StartScraping() {
  sd_metrics_ = std::make_unique<scrape::discovery::Metrics>(metrics::DefaultRegistry());
  scrape::discovery::ManagerOptions options;
  options.name = "scrape";
  options.dns.servers = flags_.dns_servers;
  discovery_ = std::make_unique<scrape::discovery::Manager>(
      options, *sd_metrics_,
      [this](const scrape::discovery::JobGroups& groups) { scrape_->OnDiscoveryUpdate(groups); });
  std::shared_ptr<const config::Config> cfg;
  {
    std::lock_guard lock(config_mu_);
    cfg = config_;
  }
  return ApplyToSubsystems(*cfg);
}

Status Daemon::ApplyToSubsystems(const config::Config& cfg) {
  if (!scrape_) return Status::Ok();  // not started yet: StartScraping applies it
  Status s = scrape_->ApplyConfig(cfg);
  std::map<std::string, config::ServiceDiscovery> jobs;
  for (const config::ScrapeConfig& sc : cfg.scrape_configs)
    jobs[sc.job_name] = sc.service_discovery;
  discovery_->ApplyConfig(jobs);
  return s;
}

void Daemon::CloseStorage() {
  storage_.Set(nullptr);
  tsdb_metrics_.Reset();
  if (db_) {
    if (Status s = db_->Close(); !s.ok()) spdlog::error("Closing storage: {}", s.message());
    db_.reset();
  }
}

void Daemon::AddRoutes(http::Router& router) {
  http::AddWebRoutes(
      router,
      {
          .enable_lifecycle = flags_.enable_lifecycle,
          .ready = [this] { return ready_.load(); },
          .reload = [this](std::function<void(Status)> done) { RequestReload(std::move(done)); },
          .quit = [this] { RequestShutdown(); },
          .metrics_text = [this] { return metrics_->Text(); },
      });
  http::web::AddTargetsPage(router, *scrape_, flags_.route_prefix);
  http::api::ApiRoutes api(router, flags_.cors_origin, [this] { return ready_.load(); });
  http::api::AddQueryRoutes(api, {
                                     .engine = engine_.get(),
                                     .queryable = &storage_,
                                     .pool = query_pool_.get(),
                                     .now_ms = NowTimestampMs,
                                 });
  http::api::AddMetadataRoutes(api, storage_, *query_pool_);
  http::api::AddTargetRoutes(
      api, *scrape_, {.external_url = ExternalUrl(flags_), .listen_port = ListenPort(flags_)});
  const bool receive_writes = flags_.enable_remote_write_receiver ||
                              std::find(flags_.features.begin(), flags_.features.end(),
                                        "remote-write-receiver") != flags_.features.end();
  http::api::AddWriteRoutes(api, receive_writes, storage_, *write_pool_);
  // Served only once ready, when db_ is open (as for tsdb_status below).
  auto db = [this]() -> Result<tsdb::DB*> {
    if (!db_) return Error("TSDB not ready");
    return db_.get();
  };
  http::api::AddAdminRoutes(
      api, flags_.enable_admin_api,
      {.delete_series = [db](int64_t mint, int64_t maxt, std::span<const Matcher> ms) -> Status {
         auto d = db();
         return d.ok() ? (*d)->Delete(mint, maxt, ms) : Status(d.error());
       },
       .clean_tombstones = [db]() -> Status {
         auto d = db();
         return d.ok() ? (*d)->CleanTombstones() : Status(d.error());
       },
       .snapshot = [db](const std::string& dir, bool with_head) -> Status {
         auto d = db();
         return d.ok() ? (*d)->Snapshot(dir, with_head) : Status(d.error());
       },
       .data_dir = flags_.storage_path},
      *query_pool_);
  http::api::AddStatusRoutes(
      api,
      {
          .build_info = BuildInfo(),
          .flags = flags_.as_strings,
          .config_yaml = [this] { return ConfigYaml(); },
          .runtime_info = [this] { return RuntimeInfo(); },
          .tsdb_status = [this] { return http::api::TsdbStatus(db_->head()); },
          .wal_replay =
              [status = wal_replay_] {
                const tsdb::WalReplayStatus::Segments s = status->Get();
                return boost::json::object{{"min", s.min}, {"max", s.max}, {"current", s.current}};
              },
      });
}

boost::json::object Daemon::RuntimeInfo() const {
  std::lock_guard lock(config_mu_);
  std::error_code ec;
  return boost::json::object{
      {"startTime", FormatRfc3339Nano(start_time_)},
      {"CWD", std::filesystem::current_path(ec).string()},
      {"reloadConfigSuccess", last_reload_ok_},
      {"lastConfigTime", FormatRfc3339(last_reload_time_)},
      {"corruptionCount", 0},
      {"goroutineCount", static_cast<int64_t>(std::thread::hardware_concurrency())},
      {"GOMAXPROCS", static_cast<int64_t>(std::thread::hardware_concurrency())},
      {"GOGC", ""},
      {"GODEBUG", ""},
      {"storageRetention", RetentionText(flags_)},
  };
}

void Daemon::Run() {
  std::unique_lock lock(events_mu_);
  for (;;) {
    events_cv_.wait(lock, [this] { return shutdown_requested_ || !reloads_.empty(); });
    if (shutdown_requested_) break;
    auto done = std::move(reloads_.front());
    reloads_.pop_front();
    lock.unlock();
    Status s = ApplyConfig();
    if (done) done(s);
    lock.lock();
  }
  // Reloads still queued get an answer rather than a dropped request.
  for (auto& done : reloads_) {
    if (done) done(Error("shutting down"));
  }
  reloads_.clear();
  lock.unlock();

  spdlog::info("Received shutdown request, stopping");
  ready_ = false;
  metrics_->SetReady(false);
  if (discovery_) discovery_->Stop();
  if (scrape_) scrape_->Stop();
  if (server_) server_->Stop(kShutdownGrace);
  if (io_) io_->Stop();
  query_pool_.reset();  // finishes the queries it holds
  write_pool_.reset();
  CloseStorage();
  dir_lock_.reset();
  spdlog::info("See you next time!");
}

void Daemon::RequestReload(std::function<void(Status)> done) {
  {
    std::lock_guard lock(events_mu_);
    reloads_.push_back(std::move(done));
  }
  events_cv_.notify_one();
}

void Daemon::RequestShutdown() {
  {
    std::lock_guard lock(events_mu_);
    shutdown_requested_ = true;
  }
  events_cv_.notify_one();
}

uint16_t Daemon::port() const {
  return server_ ? server_->port() : 0;
}

Status Daemon::ApplyConfig() {
  spdlog::info("Loading configuration file filename={}", flags_.config_file);
  auto loaded = config::LoadConfigFile(flags_.config_file);
  const SystemTime now = std::chrono::system_clock::now();
  std::lock_guard lock(config_mu_);
  last_reload_ok_ = loaded.ok();
  metrics_->ConfigReloaded(loaded.ok(), now);
  if (!loaded.ok()) {
    spdlog::error("Error loading config (--config.file={}): {}", flags_.config_file,
                  loaded.error().message());
    return Error(fmt::format("couldn't load configuration (--config.file=\"{}\"): {}",
                             flags_.config_file, loaded.error().message()));
  }
  last_reload_time_ = now;
  config_yaml_ = config::ConfigToYaml(*loaded);
  config_ = std::make_shared<const config::Config>(std::move(*loaded));
  if (Status s = ApplyToSubsystems(*config_); !s.ok()) {
    spdlog::error("Applying the configuration: {}", s.message());
  }
  spdlog::info("Completed loading of configuration file filename={}", flags_.config_file);
  return Status::Ok();
}

std::string Daemon::ConfigYaml() const {
  std::lock_guard lock(config_mu_);
  return config_yaml_;
}

}  // namespace tsdbd
