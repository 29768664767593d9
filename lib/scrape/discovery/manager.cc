#include "lib/scrape/discovery/manager.h"

#include <algorithm>
#include <utility>

#include "lib/scrape/discovery/file_discoverer.h"
#include "lib/scrape/discovery/static_discoverer.h"

namespace tsdbd::scrape::discovery {

Manager::Manager(ManagerOptions options, Metrics& metrics,
                 std::function<void(const JobGroups&)> on_update)
    : options_(std::move(options)), metrics_(metrics), on_update_(std::move(on_update)) {
  thread_ = std::thread([this] { Run(); });
}

Manager::~Manager() {
  Stop();
}

bool Manager::SameConfig(const Provider& a, const Provider& b) const {
  if (a.job != b.job || a.kind != b.kind) return false;
  switch (a.kind) {
    case Kind::kStatic:
      return a.static_configs == b.static_configs;
    case Kind::kFile:
      return a.file == b.file;
    case Kind::kDns:
      return a.dns == b.dns;
  }
  return false;
}

std::unique_ptr<Discoverer> Manager::Make(const Provider& p) {
  switch (p.kind) {
    case Kind::kStatic:
      return std::make_unique<StaticDiscoverer>(p.static_configs);
    case Kind::kFile:
      return std::make_unique<FileDiscoverer>(p.file, metrics_);
    case Kind::kDns:
      return std::make_unique<DnsDiscoverer>(p.dns, options_.dns, metrics_);
  }
  return nullptr;
}

void Manager::ApplyConfig(const std::map<std::string, config::ServiceDiscovery>& jobs) {
  std::lock_guard apply(apply_mu_);
  std::vector<std::unique_ptr<Provider>> wanted;
  auto add = [&](const std::string& job, Kind kind) -> Provider& {
    wanted.push_back(std::make_unique<Provider>());
    wanted.back()->job = job;
    wanted.back()->kind = kind;
    return *wanted.back();
  };
  std::vector<std::string> job_names;
  for (const auto& [job, sd] : jobs) {
    job_names.push_back(job);
    const bool none =
        sd.static_configs.empty() && sd.file_sd_configs.empty() && sd.dns_sd_configs.empty();
    if (!sd.static_configs.empty() || none) {
      // Prometheus gives a job without targets one empty group so that consumers know it.
      add(job, Kind::kStatic).static_configs =
          none ? std::vector<config::StaticConfig>{config::StaticConfig{}} : sd.static_configs;
    }
    for (const config::FileSdConfig& f : sd.file_sd_configs) add(job, Kind::kFile).file = f;
    for (const config::DnsSdConfig& d : sd.dns_sd_configs) add(job, Kind::kDns).dns = d;
  }

  std::vector<std::unique_ptr<Provider>> removed;
  std::vector<Provider*> started;
  std::vector<std::string> dropped_jobs;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    std::vector<std::unique_ptr<Provider>> old = std::move(providers_);
    providers_.clear();
    for (std::unique_ptr<Provider>& w : wanted) {
      auto same = std::find_if(old.begin(), old.end(), [&](const std::unique_ptr<Provider>& o) {
        return o && SameConfig(*o, *w);
      });
      if (same != old.end()) {
        providers_.push_back(std::move(*same));
        continue;
      }
      w->id = next_id_++;
      w->discoverer = Make(*w);
      started.push_back(w.get());
      providers_.push_back(std::move(w));
    }
    for (std::unique_ptr<Provider>& o : old) {
      if (o) removed.push_back(std::move(o));
    }
    for (const std::string& j : exported_jobs_) {
      if (!jobs.contains(j)) dropped_jobs.push_back(j);
    }
    jobs_ = std::move(job_names);
    dirty_ = true;
    awaiting_first_ = true;
    applied_ = std::chrono::steady_clock::now();
  }
  removed.clear();  // stops them; their late updates find no provider and are ignored
  for (const std::string& j : dropped_jobs) {
    metrics_.discovered_targets.Remove({j, options_.name});
  }
  for (Provider* p : started) {
    const uint64_t id = p->id;
    p->discoverer->Start(
        [this, id](std::vector<TargetGroup> groups) { OnProviderUpdate(id, std::move(groups)); });
  }
  cv_.notify_all();
}

void Manager::OnProviderUpdate(uint64_t id, std::vector<TargetGroup> groups) {
  metrics_.received_updates.WithLabelValues({options_.name}).Inc();
  std::lock_guard lock(mu_);
  auto it = std::find_if(providers_.begin(), providers_.end(),
                         [&](const std::unique_ptr<Provider>& p) { return p->id == id; });
  if (it == providers_.end()) return;
  (*it)->groups = std::move(groups);
  (*it)->reported = true;
  dirty_ = true;
  cv_.notify_all();
}

JobGroups Manager::Snapshot() {
  JobGroups out;
  for (const std::string& j : jobs_) out[j];
  for (const std::unique_ptr<Provider>& p : providers_) {
    std::vector<TargetGroup>& dst = out[p->job];
    dst.insert(dst.end(), p->groups.begin(), p->groups.end());
  }
  return out;
}

void Manager::Run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (!dirty_) {
      cv_.wait_for(lock, std::chrono::seconds(1));
      continue;
    }
    const auto now = std::chrono::steady_clock::now();
    const bool all_reported = std::all_of(providers_.begin(), providers_.end(),
                                          [](const auto& p) { return p->reported; });
    // Deliver at most once per interval; after ApplyConfig, as soon as every discoverer
    // reported, else one interval after it (rather than a partial result at once).
    auto next = last_delivery_ + options_.update_interval;
    if (awaiting_first_) next = std::max(next, applied_ + options_.update_interval);
    if (now < next && !(awaiting_first_ && all_reported)) {
      cv_.wait_until(lock, std::min(next, now + std::chrono::seconds(1)));
      continue;
    }
    JobGroups groups = Snapshot();
    dirty_ = false;
    awaiting_first_ = !all_reported;
    last_delivery_ = now;
    exported_jobs_ = jobs_;
    lock.unlock();
    for (const auto& [job, list] : groups) {
      size_t n = 0;
      for (const TargetGroup& g : list) n += g.targets.size();
      metrics_.discovered_targets.WithLabelValues({job, options_.name}).Set(static_cast<double>(n));
    }
    metrics_.updates.WithLabelValues({options_.name}).Inc();
    on_update_(groups);
    lock.lock();
  }
}

void Manager::Stop() {
  std::lock_guard apply(apply_mu_);
  std::vector<std::unique_ptr<Provider>> providers;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    providers = std::move(providers_);
    providers_.clear();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  providers.clear();
}

}  // namespace tsdbd::scrape::discovery
