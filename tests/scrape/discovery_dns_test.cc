// DNS service discovery against a real dnsmasq on 127.0.0.1.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "lib/metrics/registry.h"
#include "lib/scrape/discovery/dns_discoverer.h"
#include "lib/scrape/discovery/dns_records.h"
#include "lib/scrape/discovery/resolv_conf.h"
#include "tests/scrape/discovery_test_util.h"
#include "tests/testing/process.h"

namespace tsdbd::scrape::discovery {
namespace {

using namespace std::chrono_literals;

// ---- Pure parts: resolv.conf, candidate names, record labels ----

TEST(ResolvConf, ParsesServersSearchAndNdots) {
  ResolvConf c = ParseResolvConf(
      "# comment\nnameserver 10.0.0.1\nnameserver ::1\n; other\ndomain a.example\n"
      "search b.example c.example\noptions rotate ndots:3 timeout:1\n");
  EXPECT_EQ(c.servers, (std::vector<std::string>{"10.0.0.1", "::1"}));
  EXPECT_EQ(c.search, (std::vector<std::string>{"b.example", "c.example"}));
  EXPECT_EQ(c.ndots, 3);
  EXPECT_EQ(ParseResolvConf("search x\ndomain y\n").search, std::vector<std::string>{"y"});
  EXPECT_EQ(ParseResolvConf("options ndots:99").ndots, 15);
  EXPECT_EQ(ParseResolvConf("options ndots:x").ndots, 1);
  EXPECT_EQ(ParseResolvConf("").ndots, 1);
  EXPECT_TRUE(ReadResolvConf("/nonexistent/resolv.conf").servers.empty());
}

TEST(ResolvConf, CandidateNamesFollowNdots) {
  ResolvConf c;
  c.search = {"svc.local", "local"};
  c.ndots = 1;
  EXPECT_EQ(CandidateNames("abs.example.", c), std::vector<std::string>{"abs.example."});
  EXPECT_EQ(CandidateNames("a.b", c),
            (std::vector<std::string>{"a.b.", "a.b.svc.local.", "a.b.local."}));
  EXPECT_EQ(CandidateNames("host", c),
            (std::vector<std::string>{"host.svc.local.", "host.local.", "host."}));
  c.ndots = 2;
  EXPECT_EQ(CandidateNames("a.b", c),
            (std::vector<std::string>{"a.b.svc.local.", "a.b.local.", "a.b."}));
  c.search.clear();
  EXPECT_EQ(CandidateNames("host", c), std::vector<std::string>{"host."});
}

TEST(DnsRecords, FormatsAddressesAsGo) {
  EXPECT_EQ(FormatIPv4({10, 0, 0, 1}), "10.0.0.1");
  EXPECT_EQ(FormatIPv6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}), "::1");
  EXPECT_EQ(FormatIPv6({0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}), "fd00::1");
  EXPECT_EQ(FormatIPv6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1}),
            "2001:db8:0:1::1");  // the longer zero run is compressed
  EXPECT_EQ(FormatIPv6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1}),
            "2001:db8:0:1:1:1:1:1");  // a single zero group is not
  EXPECT_EQ(FormatIPv6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4}), "1.2.3.4");
  EXPECT_EQ(FormatIPv6({}), "::");
  EXPECT_EQ(JoinHostPort("::1", 80), "[::1]:80");
  EXPECT_EQ(JoinHostPort("a.b", 80), "a.b:80");
}

TEST(DnsRecords, LabelsPerRecordType) {
  std::vector<DnsRecord> a = {{DnsRecord::Type::kA, "192.0.2.2", 0},
                              {DnsRecord::Type::kAAAA, "::1", 0}};
  TargetGroup g = DnsTargetGroup("web.example.com.", 80, a);
  EXPECT_EQ(g.source, "web.example.com.");
  ASSERT_EQ(g.targets.size(), 2u);
  EXPECT_EQ(g.targets[0],
            (Labels{{"__address__", "192.0.2.2:80"}, {"__meta_dns_name", "web.example.com."}}));
  EXPECT_EQ(g.targets[1].Get("__address__"), "[::1]:80");
  EXPECT_TRUE(g.labels.empty());

  std::vector<DnsRecord> srv = {{DnsRecord::Type::kSrv, "db1.example.com.", 3306}};
  g = DnsTargetGroup("_mysql._tcp.example.com", 0, srv);
  EXPECT_EQ(g.targets[0], (Labels{{"__address__", "db1.example.com:3306"},
                                  {"__meta_dns_name", "_mysql._tcp.example.com"},
                                  {"__meta_dns_srv_record_target", "db1.example.com."},
                                  {"__meta_dns_srv_record_port", "3306"}}));
  std::vector<DnsRecord> mx = {{DnsRecord::Type::kMx, "mail.example.com.", 0}};
  g = DnsTargetGroup("example.com", 25, mx);
  EXPECT_EQ(g.targets[0], (Labels{{"__address__", "mail.example.com:25"},
                                  {"__meta_dns_name", "example.com"},
                                  {"__meta_dns_mx_record_target", "mail.example.com."}}));
  EXPECT_TRUE(DnsTargetGroup("x", 1, {}).targets.empty());
}

// ---- Against dnsmasq ----

std::string DnsmasqBinary() {
  if (testing::HaveProgram("dnsmasq")) return "dnsmasq";
  if (::access("/usr/sbin/dnsmasq", X_OK) == 0) return "/usr/sbin/dnsmasq";
  return "";
}

bool AcceptsTcp(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// A dnsmasq answering for wumbo.local on 127.0.0.1:<port> from a hosts file and a config
// file that the test rewrites.
class Dnsmasq {
 public:
  Dnsmasq(const testing::TempDir& dir, uint16_t port) : dir_(dir), port_(port) {}

  void SetHosts(const std::string& content) { dir_.WriteFile("hosts", content); }
  void SetRecords(const std::string& conf_lines) { records_ = conf_lines; }

  void Start() {
    std::string conf = "port=" + std::to_string(port_) +
                       "\nlisten-address=127.0.0.1\nbind-interfaces\nno-resolv\nno-hosts\n"
                       "addn-hosts=" +
                       dir_.path() + "/hosts\nlocal=/wumbo.local/\npid-file=\nuser=" +
                       (::geteuid() == 0 ? "root" : "") + "\n" + records_;
    if (::geteuid() != 0) conf.erase(conf.find("user=\n"), 6);
    dir_.WriteFile("dnsmasq.conf", conf);
    process_ = std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{DnsmasqBinary(), "--keep-in-foreground",
                                 "--conf-file=" + dir_.path() + "/dnsmasq.conf"},
        dir_.path() + "/dnsmasq.log");
    // Ready once it accepts TCP (it opens its UDP socket first).
    bool ready = testing::WaitUntil([&] { return AcceptsTcp(port_); }, 10s);
    ASSERT_TRUE(ready) << Log();
  }
  void Kill() { process_.reset(); }
  void Restart() {
    Kill();
    Start();
  }
  void Signal(int sig) { process_->Signal(sig); }
  uint16_t port() const { return port_; }
  std::string Log() const { return testing::ReadFile(dir_.path() + "/dnsmasq.log"); }

 private:
  const testing::TempDir& dir_;
  uint16_t port_;
  std::string records_;
  std::unique_ptr<testing::ChildProcess> process_;
};

class DnsDiscoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (DnsmasqBinary().empty()) GTEST_SKIP() << "dnsmasq is not installed";
    dns_.SetHosts(
        "10.0.0.1 backend.production.wumbo.local\n"
        "10.0.0.2 backend.production.wumbo.local\n"
        "fd00::1 v6.wumbo.local\n");
    dns_.SetRecords(
        "srv-host=_prometheus._tcp.wumbo.local,node1.wumbo.local,9100,0,0\n"
        "srv-host=_prometheus._tcp.wumbo.local,node2.wumbo.local,9101,1,0\n"
        "mx-host=wumbo.local,mail.wumbo.local,10\n");
    dns_.Start();
  }

  std::unique_ptr<DnsDiscoverer> Make(std::vector<std::string> names, std::string type,
                                      int port = 0, std::chrono::milliseconds timeout = 500ms) {
    DnsOptions opts;
    opts.servers = {"127.0.0.1:" + std::to_string(dns_.port())};
    opts.resolv_conf = resolv_conf_;
    opts.timeout = timeout;
    opts.attempts = 1;
    return std::make_unique<DnsDiscoverer>(config::DnsSdConfig{.names = std::move(names),
                                                               .refresh_interval = 100ms,
                                                               .type = std::move(type),
                                                               .port = port},
                                           opts, metrics_);
  }

  static std::vector<std::string> Sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  }
  double Lookups() const { return metrics_.dns_lookups.Value(); }
  double Failures() const { return metrics_.dns_lookup_failures.Value(); }

  testing::TempDir dir_;
  std::string resolv_conf_ = "/nonexistent/resolv.conf";
  Dnsmasq dns_{dir_, testing::FreePort()};
  metrics::Registry registry_;
  Metrics metrics_{registry_};
  UpdateSink sink_;
};

TEST_F(DnsDiscoveryTest, ARecordsFollowTheHostsFile) {
  const std::string name = "backend.production.wumbo.local";
  auto d = Make({name}, "A", 9100);
  d->Start(sink_.Fn());
  ASSERT_TRUE(sink_.WaitLast([](const auto& g) { return Addresses(g).size() == 2; })) << dns_.Log();
  std::vector<TargetGroup> groups = sink_.last();
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].source, name);
  EXPECT_EQ(Sorted(Addresses(groups)),
            (std::vector<std::string>{"10.0.0.1:9100", "10.0.0.2:9100"}));
  for (const Labels& t : groups[0].targets) {
    EXPECT_EQ(t.Get("__meta_dns_name"), name);
    EXPECT_EQ(t.size(), 2u) << t.ToString();
  }
  EXPECT_GE(Lookups(), 1);

  dns_.SetHosts("10.0.0.3 backend.production.wumbo.local\n");
  dns_.Signal(SIGHUP);  // dnsmasq re-reads addn-hosts
  ASSERT_TRUE(sink_.WaitLast([](const auto& g) {
    return Addresses(g) == std::vector<std::string>{"10.0.0.3:9100"};
  })) << dns_.Log();
}

TEST_F(DnsDiscoveryTest, SrvRecordsFollowARestartedServer) {
  const std::string name = "_prometheus._tcp.wumbo.local";
  auto d = Make({name}, "SRV");
  d->Start(sink_.Fn());
  ASSERT_TRUE(sink_.WaitLast([](const auto& g) { return Addresses(g).size() == 2; })) << dns_.Log();
  std::vector<TargetGroup> groups = sink_.last();
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(Sorted(Addresses(groups)),
            (std::vector<std::string>{"node1.wumbo.local:9100", "node2.wumbo.local:9101"}));
  for (const Labels& t : groups[0].targets) {
    if (t.Get("__address__") == "node1.wumbo.local:9100") {
      EXPECT_EQ(t, (Labels{{"__address__", "node1.wumbo.local:9100"},
                           {"__meta_dns_name", name},
                           {"__meta_dns_srv_record_target", "node1.wumbo.local."},
                           {"__meta_dns_srv_record_port", "9100"}}));
    }
  }

  dns_.SetRecords("srv-host=_prometheus._tcp.wumbo.local,node3.wumbo.local,9200\n");
  dns_.Restart();
  ASSERT_TRUE(sink_.WaitLast([](const auto& g) {
    return Addresses(g) == std::vector<std::string>{"node3.wumbo.local:9200"};
  })) << dns_.Log();
}

TEST_F(DnsDiscoveryTest, AaaaMxAndNamesWithoutRecords) {
  auto v6 = Make({"v6.wumbo.local"}, "AAAA", 9100);
  UpdateSink v6_sink;
  v6->Start(v6_sink.Fn());
  auto mx = Make({"wumbo.local"}, "MX", 25);
  UpdateSink mx_sink;
  mx->Start(mx_sink.Fn());
  // NXDOMAIN and a name without AAAA records: empty groups, not failures.
  auto none = Make({"missing.wumbo.local", "backend.production.wumbo.local"}, "AAAA", 1);
  none->Start(sink_.Fn());

  ASSERT_TRUE(v6_sink.WaitLast([](const auto& g) { return !Addresses(g).empty(); })) << dns_.Log();
  EXPECT_EQ(Addresses(v6_sink.last()), std::vector<std::string>{"[fd00::1]:9100"});
  ASSERT_TRUE(mx_sink.WaitLast([](const auto& g) { return !Addresses(g).empty(); }));
  ASSERT_EQ(mx_sink.last()[0].targets.size(), 1u);
  EXPECT_EQ(mx_sink.last()[0].targets[0],
            (Labels{{"__address__", "mail.wumbo.local:25"},
                    {"__meta_dns_name", "wumbo.local"},
                    {"__meta_dns_mx_record_target", "mail.wumbo.local."}}));
  ASSERT_TRUE(sink_.WaitLast([](const auto& g) { return g.size() == 2; }));
  EXPECT_EQ(sink_.last()[0].source, "missing.wumbo.local");
  EXPECT_EQ(sink_.last()[1].source, "backend.production.wumbo.local");
  EXPECT_TRUE(Addresses(sink_.last()).empty());
  EXPECT_EQ(Failures(), 0);
}

TEST_F(DnsDiscoveryTest, SearchDomainsFromResolvConf) {
  resolv_conf_ = dir_.WriteFile("resolv.conf",
                                "nameserver 192.0.2.1\nsearch nope.wumbo.local "
                                "production.wumbo.local\noptions ndots:2\n");
  auto d = Make({"backend"}, "A", 80);
  d->Start(sink_.Fn());
  ASSERT_TRUE(sink_.WaitLast([](const auto& g) { return Addresses(g).size() == 2; })) << dns_.Log();
  EXPECT_EQ(sink_.last()[0].source, "backend");
  EXPECT_EQ(sink_.last()[0].targets[0].Get("__meta_dns_name"), "backend");
}

TEST_F(DnsDiscoveryTest, ServerThatStopsAnsweringKeepsTheLastTargets) {
  auto d = Make({"backend.production.wumbo.local"}, "A", 9100, 200ms);
  d->Start(sink_.Fn());
  ASSERT_TRUE(sink_.WaitLast([](const auto& g) { return Addresses(g).size() == 2; })) << dns_.Log();
  const double failures = Failures();
  const size_t updates = sink_.count();

  dns_.Signal(SIGSTOP);  // queries time out
  ASSERT_TRUE(testing::WaitUntil([&] { return Failures() >= failures + 2; }));
  dns_.Signal(SIGCONT);
  dns_.Kill();  // queries are refused
  const double after_stop = Failures();
  ASSERT_TRUE(testing::WaitUntil([&] { return Failures() >= after_stop + 2; }));
  EXPECT_EQ(sink_.count(), updates);
  EXPECT_EQ(Sorted(Addresses(sink_.last())),
            (std::vector<std::string>{"10.0.0.1:9100", "10.0.0.2:9100"}));
  EXPECT_GE(Lookups(), Failures());

  dns_.SetHosts("10.0.0.9 backend.production.wumbo.local\n");
  dns_.Start();
  ASSERT_TRUE(sink_.WaitLast([](const auto& g) {
    return Addresses(g) == std::vector<std::string>{"10.0.0.9:9100"};
  })) << dns_.Log();
}

TEST_F(DnsDiscoveryTest, StopWhileAQueryIsInFlight) {
  dns_.Signal(SIGSTOP);
  auto d = Make({"backend.production.wumbo.local"}, "A", 9100, 30s);
  d->Start(sink_.Fn());
  d->Stop();  // must not wait for the 30s query timeout
  EXPECT_EQ(sink_.count(), 0u);
  dns_.Signal(SIGCONT);
}

TEST_F(DnsDiscoveryTest, ManagerKeepsAnUnchangedDnsJobAcrossApplyConfig) {
  ManagerOptions opts;
  opts.update_interval = 50ms;
  opts.dns.servers = {"127.0.0.1:" + std::to_string(dns_.port())};
  opts.dns.resolv_conf = resolv_conf_;
  opts.dns.timeout = 200ms;
  opts.dns.attempts = 1;
  JobSink jobs;
  Manager m(opts, metrics_, jobs.Fn());
  config::ServiceDiscovery sd;
  sd.dns_sd_configs.push_back({.names = {"_prometheus._tcp.wumbo.local"},
                               .refresh_interval = 1h,
                               .type = "SRV",
                               .port = 0});
  m.ApplyConfig({{"dns", sd}});
  ASSERT_TRUE(jobs.WaitLast([](const JobGroups& j) {
    return j.contains("dns") && Addresses(j.at("dns")).size() == 2;
  })) << dns_.Log();
  const double lookups = Lookups();
  dns_.Kill();  // a re-resolution would now fail
  config::ServiceDiscovery other;
  other.static_configs.push_back({.targets = {"s:1"}, .labels = {}});
  m.ApplyConfig({{"dns", sd}, {"other", other}});
  ASSERT_TRUE(jobs.WaitLast([](const JobGroups& j) { return j.size() == 2; }));
  EXPECT_EQ(Sorted(Addresses(jobs.last().at("dns"))),
            (std::vector<std::string>{"node1.wumbo.local:9100", "node2.wumbo.local:9101"}));
  EXPECT_EQ(Lookups(), lookups);
}

TEST_F(DnsDiscoveryTest, InvalidServerReportsEmptyOnce) {
  DnsOptions opts;
  opts.servers = {"not an address"};
  DnsDiscoverer d(config::DnsSdConfig{.names = {"x.wumbo.local"}}, opts, metrics_);
  d.Start(sink_.Fn());
  ASSERT_TRUE(testing::WaitUntil([&] { return sink_.count() == 1; }));
  EXPECT_TRUE(sink_.last().empty());
}

}  // namespace
}  // namespace tsdbd::scrape::discovery
