// DNS service discovery through the real binary: tsdbd asks a dnsmasq on a free loopback
// port (--discovery.dns.server) for A and SRV records, scrapes what they name, follows
// changes of the records, and keeps the last targets while the server is gone.
//
// Prometheus cannot be pointed at another DNS port, so there is no side-by-side run here.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json/parse.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "tests/testing/exposition.h"
#include "tests/testing/process.h"
#include "tests/testing/tsdbd_process.h"

namespace tsdbd {
namespace {

using namespace std::chrono_literals;
using Labels = std::map<std::string, std::string>;

constexpr char kName[] = "backend.production.wumbo.local";
constexpr char kSrvName[] = "_metrics._tcp.production.wumbo.local";

std::string DnsmasqBinary() {
  if (std::filesystem::exists("/usr/sbin/dnsmasq")) return "/usr/sbin/dnsmasq";
  return testing::HaveProgram("dnsmasq") ? "dnsmasq" : "";
}

// Occurrences of `needle` in `haystack`.
int Count(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + needle.size())) {
    ++n;
  }
  return n;
}

// dnsmasq answering for wumbo.local only from a hosts file (A records, re-read on SIGHUP)
// and --srv-host lines of a conf file (read at start only), on 127.0.0.1:<port>. Killed
// when destroyed.
class Dnsmasq {
 public:
  Dnsmasq(const testing::TempDir& dir, uint16_t port, const std::vector<std::string>& srv_hosts)
      : hosts_(dir.path() + "/hosts"), log_(dir.path() + "/dnsmasq.log") {
    std::string conf;
    for (const std::string& s : srv_hosts) conf += "srv-host=" + s + "\n";
    const std::string conf_path = dir.WriteFile("dnsmasq.conf", conf);
    std::filesystem::remove(log_);
    std::vector<std::string> argv = {
        DnsmasqBinary(), "--no-daemon", "--keep-in-foreground", "--no-resolv", "--no-hosts",
        // Authoritative for the zone: unknown names are NXDOMAIN
        // (elsewhere, with no upstream, the answer is REFUSED).
        "--local=/wumbo.local/", "--log-queries", "--port=" + std::to_string(port),
        "--listen-address=127.0.0.1", "--bind-interfaces", "--conf-file=" + conf_path,
        "--addn-hosts=" + hosts_, "--pid-file=" + dir.path() + "/dnsmasq.pid"};
    // As root dnsmasq would switch to an unprivileged user that cannot read the TempDir.
    if (::geteuid() == 0) argv.push_back("--user=root");
    process_ = std::make_unique<testing::ChildProcess>(argv, log_);
  }

  // Waits (bounded) until it has read the hosts file `reads` times in all.
  bool WaitHostsRead(int reads) {
    return testing::WaitUntil([&] { return Count(log(), "read " + hosts_) >= reads; }, 10s);
  }
  // Asks it to read the hosts file again and waits until it has.
  bool Reload() {
    const int before = Count(log(), "read " + hosts_);
    process_->Signal(SIGHUP);
    return WaitHostsRead(before + 1);
  }
  // Stops it and waits for the exit; true when it is gone.
  bool Stop() {
    process_->Signal(SIGTERM);
    return process_->Wait(10s).has_value();
  }
  std::string log() const { return testing::ReadFile(log_); }

 private:
  std::string hosts_;
  std::string log_;
  std::unique_ptr<testing::ChildProcess> process_;
};

// The discovered labels of the active targets of `job`, keyed by __address__.
std::map<std::string, Labels> ActiveTargets(testing::TsdbdProcess& tsdbd, const std::string& job) {
  std::map<std::string, Labels> out;
  testing::HttpResponse r = tsdbd.Get("/api/v1/targets?state=active");
  if (r.status != 200) return out;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(r.body, ec);
  if (ec) return out;
  for (const auto& t : v.at("data").at("activeTargets").as_array()) {
    if (t.at("scrapePool").as_string() != job) continue;
    Labels labels;
    for (const auto& [k, val] : t.at("discoveredLabels").as_object()) {
      labels[std::string(k)] = std::string(val.as_string());
    }
    out[labels["__address__"]] = labels;
  }
  return out;
}

std::set<std::string> Addresses(const std::map<std::string, Labels>& targets) {
  std::set<std::string> out;
  for (const auto& [address, labels] : targets) out.insert(address);
  return out;
}

// up by (job, instance) from an instant query.
std::map<std::pair<std::string, std::string>, std::string> Up(testing::TsdbdProcess& tsdbd) {
  std::map<std::pair<std::string, std::string>, std::string> out;
  testing::HttpResponse r = tsdbd.Get("/api/v1/query?query=up");
  if (r.status != 200) return out;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(r.body, ec);
  if (ec) return out;
  for (const auto& s : v.at("data").at("result").as_array()) {
    const auto& m = s.at("metric").as_object();
    out[{std::string(m.at("job").as_string()), std::string(m.at("instance").as_string())}] =
        std::string(s.at("value").as_array()[1].as_string());
  }
  return out;
}

// The value of an unlabelled sample in tsdbd's own /metrics; -1 when absent.
double SelfMetric(testing::TsdbdProcess& tsdbd, const std::string& name) {
  return testing::MetricValue(tsdbd.Get("/metrics").body, name);
}

class DnsSdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (DnsmasqBinary().empty()) GTEST_SKIP() << "dnsmasq not installed";
    dir_.WriteFile("www/metrics", "# TYPE app_up gauge\napp_up 1\n");
    for (uint16_t* port : {&port_a_, &port_b_}) {
      *port = testing::FreePort();
      fixtures_.push_back(std::make_unique<testing::ChildProcess>(
          std::vector<std::string>{"python3", "-m", "http.server", "--bind", "127.0.0.1",
                                   std::to_string(*port), "--directory", dir_.path() + "/www"}));
    }
    dns_port_ = testing::FreePort();
  }

  // A: the name with the fixture's port. SRV: port and target from the records; the
  // targets' names exist only in dnsmasq, which the scraper does not ask, so relabeling
  // points the address at 127.0.0.1 with the record's port.
  std::string Config() const {
    return "global:\n  scrape_interval: 1s\n"
           "scrape_configs:\n"
           "  - job_name: dns_a\n"
           "    dns_sd_configs:\n"
           "      - {names: ['" +
           std::string(kName) + "'], type: A, port: " + std::to_string(port_a_) +
           ", refresh_interval: 1s}\n"
           "  - job_name: dns_srv\n"
           "    dns_sd_configs:\n"
           "      - {names: ['" +
           std::string(kSrvName) +
           "'], refresh_interval: 1s}\n"
           "    relabel_configs:\n"
           "      - {source_labels: [__meta_dns_srv_record_port], target_label: __address__,"
           " replacement: '127.0.0.1:$1'}\n";
  }

  std::string Srv(const std::string& target, uint16_t port) const {
    return std::string(kSrvName) + "," + target + "," + std::to_string(port) + ",0,0";
  }

  std::string Port(uint16_t port) const { return std::to_string(port); }

  testing::TempDir dir_;
  uint16_t port_a_ = 0;
  uint16_t port_b_ = 0;
  uint16_t dns_port_ = 0;
  std::vector<std::unique_ptr<testing::ChildProcess>> fixtures_;
};

TEST_F(DnsSdTest, TargetsFollowARecordsAndSrvRecordsAndSurviveAnOutage) {
  dir_.WriteFile("hosts", "127.0.0.1 " + std::string(kName) + "\n");
  auto dns = std::make_unique<Dnsmasq>(
      dir_, dns_port_,
      std::vector<std::string>{Srv("backend.production.wumbo.local", port_a_),
                               Srv("frontend.production.wumbo.local", port_b_)});
  ASSERT_TRUE(dns->WaitHostsRead(1)) << dns->log();

  const std::string config = dir_.WriteFile("prometheus.yml", Config());
  testing::TsdbdProcess tsdbd(TSDBD_BINARY, config,
                              {"--discovery.dns.server=127.0.0.1:" + Port(dns_port_)});
  ASSERT_TRUE(tsdbd.WaitReady()) << tsdbd.log();

  // 1. A records: one target, the name as __meta_dns_name.
  const std::string a1 = "127.0.0.1:" + Port(port_a_);
  ASSERT_TRUE(testing::WaitUntil(
      [&] { return Addresses(ActiveTargets(tsdbd, "dns_a")) == std::set<std::string>{a1}; }, 30s))
      << tsdbd.Get("/api/v1/targets").body << tsdbd.log() << dns->log();
  EXPECT_EQ(ActiveTargets(tsdbd, "dns_a")[a1]["__meta_dns_name"], kName);

  // SRV records: one target each, with the record's target (fully qualified) and port.
  const std::string srv_a = "backend.production.wumbo.local:" + Port(port_a_);
  const std::string srv_b = "frontend.production.wumbo.local:" + Port(port_b_);
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        return Addresses(ActiveTargets(tsdbd, "dns_srv")) == std::set<std::string>{srv_a, srv_b};
      },
      30s))
      << tsdbd.Get("/api/v1/targets").body;
  std::map<std::string, Labels> srv = ActiveTargets(tsdbd, "dns_srv");
  EXPECT_EQ(srv[srv_a]["__meta_dns_name"], kSrvName);
  EXPECT_EQ(srv[srv_a]["__meta_dns_srv_record_target"], "backend.production.wumbo.local.");
  EXPECT_EQ(srv[srv_a]["__meta_dns_srv_record_port"], Port(port_a_));
  EXPECT_EQ(srv[srv_b]["__meta_dns_srv_record_target"], "frontend.production.wumbo.local.");
  EXPECT_EQ(srv[srv_b]["__meta_dns_srv_record_port"], Port(port_b_));

  // All three are scraped successfully.
  const std::map<std::pair<std::string, std::string>, std::string> all_up = {
      {{"dns_a", a1}, "1"},
      {{"dns_srv", "127.0.0.1:" + Port(port_a_)}, "1"},
      {{"dns_srv", "127.0.0.1:" + Port(port_b_)}, "1"}};
  ASSERT_TRUE(testing::WaitUntil([&] { return Up(tsdbd) == all_up; }, 30s))
      << tsdbd.Get("/api/v1/query?query=up").body;

  // 2. A second address for the name (dnsmasq re-reads the hosts file on SIGHUP).
  const std::string a2 = "127.0.0.2:" + Port(port_a_);
  dir_.WriteFile("hosts",
                 "127.0.0.1 " + std::string(kName) + "\n127.0.0.2 " + std::string(kName) + "\n");
  ASSERT_TRUE(dns->Reload()) << dns->log();
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        return Addresses(ActiveTargets(tsdbd, "dns_a")) == std::set<std::string>{a1, a2};
      },
      30s))
      << tsdbd.Get("/api/v1/targets").body;

  // The first address goes away.
  dir_.WriteFile("hosts", "127.0.0.2 " + std::string(kName) + "\n");
  ASSERT_TRUE(dns->Reload()) << dns->log();
  ASSERT_TRUE(testing::WaitUntil(
      [&] { return Addresses(ActiveTargets(tsdbd, "dns_a")) == std::set<std::string>{a2}; }, 30s))
      << tsdbd.Get("/api/v1/targets").body;

  // 3. SRV records change (dnsmasq reads --srv-host only at start: restart on the port).
  ASSERT_TRUE(dns->Stop());
  dns.reset();
  dns = std::make_unique<Dnsmasq>(
      dir_, dns_port_, std::vector<std::string>{Srv("frontend.production.wumbo.local", port_b_)});
  ASSERT_TRUE(dns->WaitHostsRead(1)) << dns->log();
  ASSERT_TRUE(testing::WaitUntil(
      [&] { return Addresses(ActiveTargets(tsdbd, "dns_srv")) == std::set<std::string>{srv_b}; },
      30s))
      << tsdbd.Get("/api/v1/targets").body << dns->log();

  // 4. No server: look-ups fail, are counted, and the last targets stay.
  const double failures_before = SelfMetric(tsdbd, "prometheus_sd_dns_lookup_failures_total");
  const double lookups_before = SelfMetric(tsdbd, "prometheus_sd_dns_lookups_total");
  ASSERT_GE(failures_before, 0) << "no prometheus_sd_dns_lookup_failures_total";
  EXPECT_GT(lookups_before, 0);
  ASSERT_TRUE(dns->Stop());
  dns.reset();
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        return SelfMetric(tsdbd, "prometheus_sd_dns_lookup_failures_total") >=
               failures_before + 4;  // both names, at least twice
      },
      30s))
      << tsdbd.log();
  EXPECT_GT(SelfMetric(tsdbd, "prometheus_sd_dns_lookups_total"), lookups_before);
  EXPECT_EQ(Addresses(ActiveTargets(tsdbd, "dns_a")), std::set<std::string>{a2});
  EXPECT_EQ(Addresses(ActiveTargets(tsdbd, "dns_srv")), std::set<std::string>{srv_b});
  EXPECT_EQ(ActiveTargets(tsdbd, "dns_srv")[srv_b]["__meta_dns_srv_record_target"],
            "frontend.production.wumbo.local.");
  EXPECT_EQ(Up(tsdbd)[std::make_pair(std::string("dns_srv"), "127.0.0.1:" + Port(port_b_))], "1");
}

// A name that does not exist (NXDOMAIN) gives no target: an empty group, not a failure.
TEST_F(DnsSdTest, UnknownNameHasNoTargetsAndIsNoFailure) {
  dir_.WriteFile("hosts", "127.0.0.1 other.wumbo.local\n");
  Dnsmasq dns(dir_, dns_port_, {});
  ASSERT_TRUE(dns.WaitHostsRead(1)) << dns.log();
  const std::string config = dir_.WriteFile("prometheus.yml", Config());
  testing::TsdbdProcess tsdbd(TSDBD_BINARY, config,
                              {"--discovery.dns.server=127.0.0.1:" + Port(dns_port_)});
  ASSERT_TRUE(tsdbd.WaitReady()) << tsdbd.log();
  // Both jobs looked up at least twice each.
  ASSERT_TRUE(testing::WaitUntil(
      [&] { return SelfMetric(tsdbd, "prometheus_sd_dns_lookups_total") >= 4; }, 30s))
      << tsdbd.log();
  EXPECT_EQ(SelfMetric(tsdbd, "prometheus_sd_dns_lookup_failures_total"), 0);
  EXPECT_TRUE(ActiveTargets(tsdbd, "dns_a").empty());
  EXPECT_TRUE(ActiveTargets(tsdbd, "dns_srv").empty());
  EXPECT_GE(Count(dns.log(), "query[A] " + std::string(kName)), 1) << dns.log();
}

// A server that refuses the question (dnsmasq has no upstream for other zones) is a failed
// look-up: counted, and the job has no targets since it never resolved.
TEST_F(DnsSdTest, RefusedAnswerIsAFailedLookup) {
  dir_.WriteFile("hosts", "127.0.0.1 " + std::string(kName) + "\n");
  Dnsmasq dns(dir_, dns_port_, {});
  ASSERT_TRUE(dns.WaitHostsRead(1)) << dns.log();
  const std::string config = dir_.WriteFile(
      "prometheus.yml",
      "global:\n  scrape_interval: 1s\n"
      "scrape_configs:\n"
      "  - job_name: elsewhere\n"
      "    dns_sd_configs:\n"
      "      - {names: [backend.elsewhere.test], type: A, port: 80, refresh_interval: 1s}\n");
  testing::TsdbdProcess tsdbd(TSDBD_BINARY, config,
                              {"--discovery.dns.server=127.0.0.1:" + Port(dns_port_)});
  ASSERT_TRUE(tsdbd.WaitReady()) << tsdbd.log();
  ASSERT_TRUE(testing::WaitUntil(
      [&] { return SelfMetric(tsdbd, "prometheus_sd_dns_lookup_failures_total") >= 2; }, 30s))
      << tsdbd.log() << dns.log();
  EXPECT_GE(SelfMetric(tsdbd, "prometheus_sd_dns_lookups_total"), 2);
  EXPECT_TRUE(ActiveTargets(tsdbd, "elsewhere").empty());
  EXPECT_GE(Count(dns.log(), "query[A] backend.elsewhere.test"), 2) << dns.log();
}

TEST(DnsSdFlagTest, ABadServerAddressRefusesToStart) {
  testing::TempDir dir;
  const std::string config = dir.WriteFile("prometheus.yml", "scrape_configs: []\n");
  testing::RunResult r = testing::Run(
      {TSDBD_BINARY, "--config.file=" + config, "--storage.tsdb.path=" + dir.path() + "/data",
       "--web.listen-address=127.0.0.1:" + std::to_string(testing::FreePort()),
       "--discovery.dns.server=localhost:53"},
      30s);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("discovery.dns.server"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace tsdbd
