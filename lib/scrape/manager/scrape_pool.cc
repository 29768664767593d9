#include "lib/scrape/manager/scrape_pool.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "lib/model/hash.h"
#include "lib/net/http_client.h"
#include "lib/scrape/target/target.h"

namespace tsdbd::scrape {

Result<std::unique_ptr<ScrapePool>> ScrapePool::Create(const config::ScrapeConfig& cfg,
                                                       net::IoRuntime& runtime,
                                                       storage::Appendable& appendable,
                                                       ScrapeMetrics& metrics,
                                                       uint64_t jitter_seed) {
  Result<std::shared_ptr<net::HttpClient>> client =
      net::HttpClient::Create(runtime, cfg.http_client);
  if (!client.ok()) return client.error();
  return std::unique_ptr<ScrapePool>(
      new ScrapePool(cfg, std::move(*client), runtime, appendable, metrics, jitter_seed));
}

ScrapePool::ScrapePool(const config::ScrapeConfig& cfg, std::shared_ptr<net::HttpClient> client,
                       net::IoRuntime& runtime, storage::Appendable& appendable,
                       ScrapeMetrics& metrics, uint64_t jitter_seed)
    : job_(cfg.job_name),
      cfg_(std::make_unique<config::ScrapeConfig>(cfg)),
      client_(std::move(client)),
      runtime_(runtime),
      appendable_(appendable),
      metrics_(metrics),
      jitter_seed_(jitter_seed) {}

ScrapePool::~ScrapePool() {
  Abort();
}

std::shared_ptr<ScrapeLoop> ScrapePool::NewLoop(Target target) {
  return ScrapeLoop::Create({&runtime_, client_, &appendable_, &metrics_}, *cfg_, std::move(target),
                            jitter_seed_);
}

void ScrapePool::Sync(const std::vector<discovery::TargetGroup>& groups) {
  groups_ = groups;
  TargetPopulator populator(*cfg_);
  std::map<uint64_t, Target> wanted;
  std::vector<Labels> dropped;
  for (const discovery::TargetGroup& g : groups) {
    for (Result<Target>& t : populator.FromGroup(g)) {
      if (!t.ok()) {
        spdlog::error("Creating target failed: scrape_pool={} err={}", cfg_->job_name,
                      t.error().message());
        continue;
      }
      if (t->dropped) {
        dropped.push_back(t->discovered);
        continue;
      }
      const uint64_t key = HashBytes(t->scrape_url, t->labels.Hash());
      wanted.try_emplace(key, std::move(*t));
    }
  }

  std::vector<std::shared_ptr<ScrapeLoop>> removed;
  std::vector<std::shared_ptr<ScrapeLoop>> added;
  {
    std::lock_guard lock(mu_);
    for (auto it = loops_.begin(); it != loops_.end();) {
      auto w = wanted.find(it->first);
      if (w == wanted.end()) {
        removed.push_back(std::move(it->second));
        it = loops_.erase(it);
      } else {
        it->second->SetDiscovered(w->second.discovered);
        wanted.erase(w);
        ++it;
      }
    }
    for (auto& [key, target] : wanted) {
      auto loop = NewLoop(std::move(target));
      loops_.emplace(key, loop);
      added.push_back(std::move(loop));
    }
    dropped_ = std::move(dropped);
  }
  for (auto& loop : removed) {
    loop->Stop();
    ending_.push_back(std::move(loop));
  }
  ApplyTargetLimit();
  for (auto& loop : added) loop->Start();
  PruneEnding();
}

void ScrapePool::ApplyTargetLimit() {
  std::lock_guard lock(mu_);
  metrics_.pool_targets.WithLabelValues({cfg_->job_name}).Set(static_cast<double>(loops_.size()));
  std::string forced;
  if (cfg_->target_limit > 0 && loops_.size() > cfg_->target_limit) {
    forced = "target_limit exceeded (number of targets: " + std::to_string(loops_.size()) +
             ", limit: " + std::to_string(cfg_->target_limit) + ")";
    metrics_.pool_exceeded_target_limit_total.Inc();
  }
  for (auto& [key, loop] : loops_) loop->SetForcedError(forced);
}

void ScrapePool::PruneEnding() {
  std::erase_if(ending_, [](const std::shared_ptr<ScrapeLoop>& l) { return l->Done(); });
}

Status ScrapePool::Reload(const config::ScrapeConfig& cfg) {
  metrics_.pool_reloads_total.Inc();
  Result<std::shared_ptr<net::HttpClient>> client =
      net::HttpClient::Create(runtime_, cfg.http_client);
  if (!client.ok()) return client.error();
  std::map<uint64_t, std::shared_ptr<ScrapeLoop>> old;
  {
    std::lock_guard lock(mu_);
    old.swap(loops_);
    dropped_.clear();
  }
  for (auto& [key, loop] : old) {
    loop->DisableEndOfRunStaleness();
    loop->Stop();
    ending_.push_back(loop);
  }
  // The config is replaced only once no loop (nor the populator) reads the old one.
  cfg_ = std::make_unique<config::ScrapeConfig>(cfg);
  client_ = std::move(*client);
  std::vector<discovery::TargetGroup> groups = std::move(groups_);
  Sync(groups);
  return Status::Ok();
}

void ScrapePool::Stop() {
  std::map<uint64_t, std::shared_ptr<ScrapeLoop>> old;
  {
    std::lock_guard lock(mu_);
    old.swap(loops_);
    dropped_.clear();
  }
  for (auto& [key, loop] : old) {
    loop->Stop();
    ending_.push_back(loop);
  }
  metrics_.pool_targets.WithLabelValues({cfg_->job_name}).Set(0);
}

bool ScrapePool::Done() {
  PruneEnding();
  std::lock_guard lock(mu_);
  return loops_.empty() && ending_.empty();
}

void ScrapePool::Abort() {
  std::map<uint64_t, std::shared_ptr<ScrapeLoop>> old;
  {
    std::lock_guard lock(mu_);
    old.swap(loops_);
  }
  for (auto& [key, loop] : old) loop->Abort();
  for (auto& loop : ending_) loop->Abort();
  ending_.clear();
}

std::vector<TargetStatus> ScrapePool::ActiveTargets() const {
  std::lock_guard lock(mu_);
  std::vector<TargetStatus> out;
  out.reserve(loops_.size());
  for (const auto& [key, loop] : loops_) out.push_back(loop->Status());
  return out;
}

std::vector<DroppedTarget> ScrapePool::DroppedTargets() const {
  std::lock_guard lock(mu_);
  std::vector<DroppedTarget> out;
  out.reserve(dropped_.size());
  for (const Labels& l : dropped_) out.push_back({job_, l});
  return out;
}

std::vector<TargetMetadata> ScrapePool::Metadata() const {
  std::lock_guard lock(mu_);
  std::vector<TargetMetadata> out;
  for (const auto& [key, loop] : loops_) {
    out.push_back({loop->target().PublicLabels(), loop->Metadata()});
  }
  return out;
}

}  // namespace tsdbd::scrape
