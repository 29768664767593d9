#include "lib/scrape/manager/manager.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>

#include "lib/model/hash.h"
#include "lib/scrape/manager/scrape_pool.h"

namespace tsdbd::scrape {
namespace {

uint64_t DefaultJitterSeed(const config::Config& cfg) {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  uint64_t h = HashBytes(host);
  for (const auto& [name, value] : cfg.global.external_labels) {
    h = HashBytes(name, h);
    h = HashBytes(value, h);
  }
  return h;
}

}  // namespace

ScrapeManager::ScrapeManager(net::IoRuntime& runtime, storage::Appendable& appendable,
                             metrics::Registry& registry, ScrapeManagerOptions options)
    : runtime_(runtime), appendable_(appendable), options_(options), metrics_(registry) {}

ScrapeManager::~ScrapeManager() {
  Stop();
}

Status ScrapeManager::ApplyConfig(const config::Config& cfg) {
  std::lock_guard apply(apply_mu_);
  if (stopped_) return Status::Ok();
  jitter_seed_ = options_.jitter_seed != 0 ? options_.jitter_seed : DefaultJitterSeed(cfg);
  configs_.clear();
  for (const config::ScrapeConfig& sc : cfg.scrape_configs) configs_.emplace(sc.job_name, sc);

  bool failed = false;
  std::vector<std::unique_ptr<ScrapePool>> gone;
  {
    std::lock_guard lock(mu_);
    for (auto it = pools_.begin(); it != pools_.end();) {
      if (!configs_.contains(it->first)) {
        gone.push_back(std::move(it->second));
        it = pools_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& pool : gone) pool->Stop();  // stale markers are written by the loops' own timers
  for (const auto& [job, sc] : configs_) {
    ScrapePool* pool = nullptr;
    {
      std::lock_guard lock(mu_);
      auto it = pools_.find(job);
      if (it != pools_.end()) pool = it->second.get();
    }
    if (pool != nullptr) {
      if (pool->config() == sc) continue;
      Status s = pool->Reload(sc);
      if (!s.ok()) {
        spdlog::error("error reloading scrape pool: scrape_pool={} err={}", job, s.message());
        failed = true;
      }
      continue;
    }
    metrics_.pools_total.Inc();
    Result<std::unique_ptr<ScrapePool>> created =
        ScrapePool::Create(sc, runtime_, appendable_, metrics_, jitter_seed_);
    if (!created.ok()) {
      metrics_.pools_failed_total.Inc();
      spdlog::error("error creating new scrape pool: scrape_pool={} err={}", job,
                    created.error().message());
      failed = true;
      continue;
    }
    pool = created->get();
    {
      std::lock_guard lock(mu_);
      pools_.emplace(job, std::move(*created));
    }
    auto g = groups_.find(job);
    if (g != groups_.end()) pool->Sync(g->second);
  }
  // Pools of removed jobs still owe end-of-run stale markers: kept until they are done.
  for (auto& pool : gone) retired_.push_back(std::move(pool));
  std::erase_if(retired_, [](const std::unique_ptr<ScrapePool>& p) { return p->Done(); });
  if (failed) return Error("failed to apply the new configuration");
  return Status::Ok();
}

void ScrapeManager::OnDiscoveryUpdate(const discovery::JobGroups& groups) {
  std::lock_guard apply(apply_mu_);
  if (stopped_) return;
  groups_ = groups;
  std::vector<std::pair<ScrapePool*, const std::vector<discovery::TargetGroup>*>> work;
  {
    std::lock_guard lock(mu_);
    for (auto& [job, pool] : pools_) {
      auto g = groups_.find(job);
      static const std::vector<discovery::TargetGroup> kNone;
      work.emplace_back(pool.get(), g == groups_.end() ? &kNone : &g->second);
    }
  }
  for (auto& [pool, g] : work) pool->Sync(*g);
}

void ScrapeManager::Stop() {
  std::lock_guard apply(apply_mu_);
  if (stopped_) return;
  stopped_ = true;
  std::map<std::string, std::unique_ptr<ScrapePool>> pools;
  {
    std::lock_guard lock(mu_);
    pools.swap(pools_);
  }
  for (auto& [job, pool] : pools) pool->Abort();
  for (auto& pool : retired_) pool->Abort();
  retired_.clear();
}

std::vector<TargetStatus> ScrapeManager::ActiveTargets() const {
  std::lock_guard lock(mu_);
  std::vector<TargetStatus> out;
  for (const auto& [job, pool] : pools_) {
    std::vector<TargetStatus> t = pool->ActiveTargets();
    std::sort(t.begin(), t.end(), [](const TargetStatus& a, const TargetStatus& b) {
      return a.scrape_url < b.scrape_url;
    });
    for (TargetStatus& s : t) out.push_back(std::move(s));
  }
  return out;
}

std::vector<DroppedTarget> ScrapeManager::DroppedTargets() const {
  std::lock_guard lock(mu_);
  std::vector<DroppedTarget> out;
  for (const auto& [job, pool] : pools_) {
    for (DroppedTarget& d : pool->DroppedTargets()) out.push_back(std::move(d));
  }
  return out;
}

std::vector<std::string> ScrapeManager::ScrapePools() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [job, pool] : pools_) out.push_back(job);
  return out;
}

std::vector<TargetMetadata> ScrapeManager::TargetsMetadata() const {
  std::lock_guard lock(mu_);
  std::vector<TargetMetadata> out;
  for (const auto& [job, pool] : pools_) {
    for (TargetMetadata& m : pool->Metadata()) out.push_back(std::move(m));
  }
  return out;
}

}  // namespace tsdbd::scrape
