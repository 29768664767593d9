#include "cmd/tsdbd/daemon.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/json/object.hpp>
#include <filesystem>
#include <thread>

#include "cmd/tsdbd/build_info.h"
#include "cmd/tsdbd/self_metrics.h"
#include "lib/config/config.h"
#include "lib/http/api/query_routes.h"
#include "lib/http/api/status_routes.h"
#include "lib/http/server.h"
#include "lib/http/web_routes.h"
#include "lib/metrics/registry.h"
#include "lib/model/byte_size.h"
#include "lib/tsdb/dir_lock.h"

namespace tsdbd {
namespace {

constexpr auto kShutdownGrace = std::chrono::seconds(20);

boost::json::object BuildInfo() {
  return {{"version", build::kPrometheusVersion}, {"revision", build::kRevision},
          {"branch", build::kBranch},             {"buildUser", build::kBuildUser},
          {"buildDate", build::kBuildDate},       {"goVersion", build::kCompiler}};
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

  http::Router router;
  http::AddWebRoutes(router, {
      .enable_lifecycle = flags_.enable_lifecycle,
      .ready = [this] { return ready_.load(); },
      .reload = [this](std::function<void(Status)> done) { RequestReload(std::move(done)); },
      .quit = [this] { RequestShutdown(); },
      .metrics_text = [this] { return metrics_->Text(); },
  });
  http::api::ApiRoutes api(router, flags_.cors_origin, [this] { return ready_.load(); });
  http::api::AddQueryToolRoutes(api);
  http::api::AddStatusRoutes(api, {
      .build_info = BuildInfo(),
      .flags = flags_.as_strings,
      .config_yaml = [this] { return ConfigYaml(); },
      .runtime_info = [this] {
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
      },
  });

  http::ServerOptions options;
  options.listen_address = flags_.listen_address;
  options.route_prefix = flags_.route_prefix;
  options.max_connections = flags_.max_connections;
  options.read_timeout = flags_.read_timeout;
  server_ = std::make_unique<http::Server>(
      options, std::move(router), [m = metrics_.get()](std::string_view handler, int code,
                                                       double seconds) {
        m->ObserveRequest(handler, code, seconds);
      });
  if (Status s = server_->Start(); !s.ok()) {
    server_.reset();
    return Error("start web server: " + s.message());
  }
  spdlog::info("Listening on {} (port {})", flags_.listen_address, server_->port());
  ready_ = true;
  metrics_->SetReady(true);
  spdlog::info("Server is ready to receive web requests.");
  return Status::Ok();
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
  if (server_) server_->Stop(kShutdownGrace);
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

uint16_t Daemon::port() const { return server_ ? server_->port() : 0; }

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
  spdlog::info("Completed loading of configuration file filename={}", flags_.config_file);
  return Status::Ok();
}

std::string Daemon::ConfigYaml() const {
  std::lock_guard lock(config_mu_);
  return config_yaml_;
}

}  // namespace tsdbd
