// dns_sd_configs: targets from periodic A, AAAA, SRV or MX look-ups, resolved
// asynchronously with c-ares on the discoverer's own thread.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "lib/config/config.h"
#include "lib/scrape/discovery/discoverer.h"
#include "lib/scrape/discovery/dns_records.h"
#include "lib/scrape/discovery/metrics.h"
#include "lib/scrape/discovery/resolv_conf.h"
#include "lib/scrape/discovery/wake_fd.h"

struct ares_channeldata;

namespace tsdbd::scrape::discovery {

struct DnsOptions {
  // Name servers as "host:port" ("127.0.0.1:5353", "[::1]:53"); when set they replace the
  // name servers of resolv_conf (the search list and ndots still come from it).
  std::vector<std::string> servers;
  std::string resolv_conf = "/etc/resolv.conf";
  std::chrono::milliseconds timeout{2000};  // per query attempt and server
  int attempts = 2;                         // tries of each server
};

// Every refresh_interval, looks up every configured name (all at once) through the names
// CandidateNames gives: the first name answered with success decides; a name that does
// not exist (NXDOMAIN everywhere) or has no records of the type yields an empty group. A
// failed look-up (timeouts, server errors, refused connections) keeps that name's last
// group, is logged, and counts in prometheus_sd_dns_lookup_failures_total; every look-up
// counts in prometheus_sd_dns_lookups_total. A name never resolved has no group. Targets
// are sorted by address (Prometheus keeps the answer's order, which servers rotate).
class DnsDiscoverer : public Discoverer {
 public:
  // `metrics` must outlive the discoverer.
  DnsDiscoverer(config::DnsSdConfig config, DnsOptions options, Metrics& metrics);
  ~DnsDiscoverer() override;

  void Start(UpdateFn on_update) override;
  void Stop() override;

 private:
  struct Lookup;

  void Run();
  bool InitChannel();
  void StartRefresh();
  void Query(Lookup* lookup);
  static void OnAnswer(void* arg, int status, int timeouts, unsigned char* abuf, int alen);
  void Finish(Lookup* lookup, bool ok, const std::vector<DnsRecord>& records);

  const config::DnsSdConfig config_;
  const DnsOptions options_;
  Metrics& metrics_;
  std::vector<std::string> names_;  // configured names without repeats, in order
  int qtype_;
  UpdateFn on_update_;
  WakeFd wake_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;

  // Owned by the thread:
  ResolvConf resolv_;
  ares_channeldata* channel_ = nullptr;      // while Run is active
  int pending_ = 0;                          // look-ups of the current refresh still running
  std::map<std::string, TargetGroup> last_;  // the last successful group per name
  GroupDiffer differ_;
};

}  // namespace tsdbd::scrape::discovery
