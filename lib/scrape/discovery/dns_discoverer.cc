#include "lib/scrape/discovery/dns_discoverer.h"

#include <ares.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <poll.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <set>
#include <tuple>

#include "spdlog/spdlog.h"

namespace tsdbd::scrape::discovery {

// One name's look-up in one refresh: tries the candidate names in turn.
struct DnsDiscoverer::Lookup {
  DnsDiscoverer* self;
  std::string name;                     // as configured
  std::vector<std::string> candidates;  // fully qualified
  size_t next = 0;                      // the candidate being asked
  bool all_answered = true;             // every candidate so far got an answer (NXDOMAIN)
  std::string last_error;
};

namespace {

int QueryType(const std::string& type) {
  if (type == "A") return ns_t_a;
  if (type == "AAAA") return ns_t_aaaa;
  if (type == "MX") return ns_t_mx;
  return ns_t_srv;
}

void InitLibrary() {
  static std::once_flag once;
  std::call_once(once, [] { ares_library_init(ARES_LIB_INIT_ALL); });
}

std::string WithFinalDot(const char* name) {
  std::string s = name ? name : "";
  if (s.empty() || s.back() != '.') s += '.';
  return s;
}

// Parses an answer of type `qtype`; false when it is malformed.
bool ParseAnswer(int qtype, const unsigned char* abuf, int alen, std::vector<DnsRecord>* out) {
  if (qtype == ns_t_a || qtype == ns_t_aaaa) {
    hostent* host = nullptr;
    int rc = qtype == ns_t_a ? ares_parse_a_reply(abuf, alen, &host, nullptr, nullptr)
                             : ares_parse_aaaa_reply(abuf, alen, &host, nullptr, nullptr);
    if (rc == ARES_ENODATA) return true;
    if (rc != ARES_SUCCESS) return false;
    for (char** p = host->h_addr_list; p && *p; ++p) {
      if (qtype == ns_t_a) {
        std::array<uint8_t, 4> a;
        std::memcpy(a.data(), *p, 4);
        out->push_back({DnsRecord::Type::kA, FormatIPv4(a), 0});
      } else {
        std::array<uint8_t, 16> a;
        std::memcpy(a.data(), *p, 16);
        out->push_back({DnsRecord::Type::kAAAA, FormatIPv6(a), 0});
      }
    }
    ares_free_hostent(host);
    return true;
  }
  if (qtype == ns_t_srv) {
    ares_srv_reply* srv = nullptr;
    int rc = ares_parse_srv_reply(abuf, alen, &srv);
    if (rc == ARES_ENODATA) return true;
    if (rc != ARES_SUCCESS) return false;
    for (ares_srv_reply* r = srv; r; r = r->next) {
      out->push_back({DnsRecord::Type::kSrv, WithFinalDot(r->host), r->port});
    }
    ares_free_data(srv);
    return true;
  }
  ares_mx_reply* mx = nullptr;
  int rc = ares_parse_mx_reply(abuf, alen, &mx);
  if (rc == ARES_ENODATA) return true;
  if (rc != ARES_SUCCESS) return false;
  for (ares_mx_reply* r = mx; r; r = r->next) {
    out->push_back({DnsRecord::Type::kMx, WithFinalDot(r->host), 0});
  }
  ares_free_data(mx);
  return true;
}

std::string ServerCsv(const std::vector<std::string>& servers) {
  std::string csv;
  for (const std::string& s : servers) {
    if (!csv.empty()) csv += ',';
    // A bare IPv6 address needs brackets to be told apart from a port.
    if (std::count(s.begin(), s.end(), ':') > 1 && s.front() != '[') {
      csv += "[" + s + "]";
    } else {
      csv += s;
    }
  }
  return csv;
}

}  // namespace

DnsDiscoverer::DnsDiscoverer(config::DnsSdConfig config, DnsOptions options, Metrics& metrics)
    : config_(std::move(config)),
      options_(std::move(options)),
      metrics_(metrics),
      qtype_(QueryType(config_.type)) {
  std::set<std::string> seen;
  for (const std::string& n : config_.names) {
    if (seen.insert(n).second) names_.push_back(n);
  }
}

DnsDiscoverer::~DnsDiscoverer() {
  Stop();
}

void DnsDiscoverer::Start(UpdateFn on_update) {
  on_update_ = std::move(on_update);
  thread_ = std::thread([this] { Run(); });
}

void DnsDiscoverer::Stop() {
  stopping_.store(true);
  wake_.Signal();
  if (thread_.joinable()) thread_.join();
}

bool DnsDiscoverer::InitChannel() {
  InitLibrary();
  resolv_ = ReadResolvConf(options_.resolv_conf);
  ares_options opts{};
  opts.timeout = static_cast<int>(options_.timeout.count());
  opts.tries = std::max(1, options_.attempts);
  opts.flags = ARES_FLAG_NOSEARCH;
  int mask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS;
  ares_channel channel = nullptr;
  int rc = ares_init_options(&channel, &opts, mask);
  if (rc != ARES_SUCCESS) {
    spdlog::error("dns_sd: cannot initialize the resolver: {}", ares_strerror(rc));
    return false;
  }
  std::vector<std::string> servers = options_.servers;
  if (servers.empty()) servers = resolv_.servers;
  if (!servers.empty()) {
    rc = ares_set_servers_ports_csv(channel, ServerCsv(servers).c_str());
    if (rc != ARES_SUCCESS) {
      spdlog::error("dns_sd: invalid name servers {}: {}", ServerCsv(servers), ares_strerror(rc));
      ares_destroy(channel);
      return false;
    }
  }
  channel_ = channel;
  return true;
}

void DnsDiscoverer::StartRefresh() {
  pending_ = static_cast<int>(names_.size());
  for (const std::string& name : names_) {
    auto* lookup = new Lookup{this, name, CandidateNames(name, resolv_), 0, true, {}};
    Query(lookup);
  }
}

void DnsDiscoverer::Query(Lookup* lookup) {
  ares_query(channel_, lookup->candidates[lookup->next].c_str(), ns_c_in, qtype_, &OnAnswer,
             lookup);
}

void DnsDiscoverer::OnAnswer(void* arg, int status, int /*timeouts*/, unsigned char* abuf,
                             int alen) {
  auto* lookup = static_cast<Lookup*>(arg);
  DnsDiscoverer* self = lookup->self;
  if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED) {
    delete lookup;
    return;
  }
  std::vector<DnsRecord> records;
  if (status == ARES_SUCCESS) {
    if (ParseAnswer(self->qtype_, abuf, alen, &records)) {
      self->Finish(lookup, true, records);
    } else {
      lookup->last_error = "malformed answer for " + lookup->candidates[lookup->next];
      self->Finish(lookup, false, records);
    }
    return;
  }
  if (status == ARES_ENODATA) {  // the name exists but has no records of the type
    self->Finish(lookup, true, records);
    return;
  }
  if (status != ARES_ENOTFOUND) {
    lookup->all_answered = false;
    lookup->last_error = lookup->candidates[lookup->next] + ": " + ares_strerror(status);
  }
  if (++lookup->next < lookup->candidates.size()) {
    self->Query(lookup);
    return;
  }
  if (lookup->all_answered) {
    self->Finish(lookup, true, records);
  } else {
    self->Finish(lookup, false, records);
  }
}

void DnsDiscoverer::Finish(Lookup* lookup, bool ok, const std::vector<DnsRecord>& records) {
  metrics_.dns_lookups.Inc();
  if (ok) {
    // Servers rotate the order of answers; sorting keeps a stable result, so that a
    // rotation is not reported as a change.
    std::vector<DnsRecord> sorted = records;
    std::sort(sorted.begin(), sorted.end(), [](const DnsRecord& a, const DnsRecord& b) {
      return std::tie(a.host, a.port) < std::tie(b.host, b.port);
    });
    last_[lookup->name] = DnsTargetGroup(lookup->name, config_.port, sorted);
  } else {
    metrics_.dns_lookup_failures.Inc();
    spdlog::error("dns_sd: error refreshing DNS targets: could not resolve \"{}\": {}",
                  lookup->name, lookup->last_error);
  }
  delete lookup;
  if (--pending_ > 0) return;
  std::vector<TargetGroup> all;
  for (const std::string& name : names_) {
    auto it = last_.find(name);
    if (it != last_.end()) all.push_back(it->second);
  }
  std::vector<TargetGroup> out;
  if (differ_.Update(all, &out)) on_update_(std::move(out));
}

void DnsDiscoverer::Run() {
  if (!InitChannel()) {
    std::vector<TargetGroup> out;
    if (differ_.Update({}, &out)) on_update_(std::move(out));
    return;
  }
  using Clock = std::chrono::steady_clock;
  const auto interval =
      std::max<std::chrono::milliseconds>(config_.refresh_interval, std::chrono::milliseconds(1));
  Clock::time_point next_refresh = Clock::now();
  while (!stopping_.load()) {
    Clock::time_point now = Clock::now();
    if (pending_ == 0 && now >= next_refresh) {
      next_refresh = now + interval;
      if (names_.empty()) {
        std::vector<TargetGroup> out;
        if (differ_.Update({}, &out)) on_update_(std::move(out));
      } else {
        StartRefresh();
      }
      continue;
    }
    std::vector<pollfd> fds{{wake_.fd(), POLLIN, 0}};
    ares_socket_t socks[ARES_GETSOCK_MAXNUM];
    int bits = ares_getsock(channel_, socks, ARES_GETSOCK_MAXNUM);
    for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
      short events = 0;
      if (ARES_GETSOCK_READABLE(bits, i)) events |= POLLIN;
      if (ARES_GETSOCK_WRITABLE(bits, i)) events |= POLLOUT;
      if (events) fds.push_back({socks[i], events, 0});
    }
    int64_t wait_ms = 0;
    if (pending_ > 0) {
      timeval max_tv{1, 0}, tv{};
      timeval* t = ares_timeout(channel_, &max_tv, &tv);
      wait_ms = t->tv_sec * 1000 + t->tv_usec / 1000 + 1;
    } else {
      wait_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(next_refresh - now).count() + 1;
    }
    int n = poll(fds.data(), fds.size(), static_cast<int>(std::clamp<int64_t>(wait_ms, 0, 60000)));
    if (n > 0 && fds[0].revents) wake_.Drain();
    if (stopping_.load()) break;
    for (size_t i = 1; i < fds.size(); ++i) {
      if (!fds[i].revents) continue;
      bool readable = fds[i].revents & (POLLIN | POLLERR | POLLHUP);
      bool writable = fds[i].revents & POLLOUT;
      ares_process_fd(channel_, readable ? fds[i].fd : ARES_SOCKET_BAD,
                      writable ? fds[i].fd : ARES_SOCKET_BAD);
    }
    if (pending_ > 0) ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
  }
  ares_destroy(channel_);  // runs the callbacks of queries in flight with ARES_EDESTRUCTION
  channel_ = nullptr;
  pending_ = 0;
}

}  // namespace tsdbd::scrape::discovery
