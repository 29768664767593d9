#include <gtest/gtest.h>

#include <string>

#include "lib/config/config.h"
#include "lib/model/labels.h"
#include "lib/scrape/discovery/static_discoverer.h"
#include "lib/scrape/target/host_port.h"
#include "lib/scrape/target/scrape_url.h"
#include "lib/scrape/target/target.h"

namespace tsdbd::scrape {
namespace {

// One scrape config parsed from YAML (the job's body, unindented).
config::ScrapeConfig Job(const std::string& body) {
  std::string yaml = "scrape_configs:\n  - job_name: j\n";
  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find('\n', start);
    if (end == std::string::npos) end = body.size();
    yaml += "    " + body.substr(start, end - start) + "\n";
    start = end + 1;
  }
  Result<config::Config> cfg = config::ParseConfig(yaml, "t.yml");
  EXPECT_TRUE(cfg.ok()) << (cfg.ok() ? "" : cfg.error().message());
  return cfg.ok() ? cfg->scrape_configs.at(0) : config::ScrapeConfig{};
}

Labels Address(const std::string& address) {
  return Labels{{"__address__", address}};
}

TEST(SplitHostPort, FollowsGoNetRules) {
  struct Case {
    const char* in;
    bool ok;
    const char* host;
    const char* port;
  } cases[] = {
      {"a:1", true, "a", "1"},
      {"a", false, "", ""},
      {"a:", true, "a", ""},
      {":80", true, "", "80"},
      {"[::1]:9", true, "::1", "9"},
      {"[::1]", false, "", ""},
      {"::1", false, "", ""},
      {"::1:80", false, "", ""},
      {"[::1]x:80", false, "", ""},
      {"[::1]:80:1", false, "", ""},
      {"a]:80", false, "", ""},
      {"a[:80", false, "", ""},
      {"[fe80::1%eth0]:80", true, "fe80::1%eth0", "80"},
      {"[a]:b]:1", false, "", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.in);
    const auto hp = SplitHostPort(c.in);
    ASSERT_EQ(hp.has_value(), c.ok);
    if (c.ok) {
      EXPECT_EQ(hp->host, c.host);
      EXPECT_EQ(hp->port, c.port);
    }
  }
}

TEST(ScrapeUrl, EscapesAndOrdersAsGoNetUrl) {
  std::map<std::string, std::vector<std::string>> params{{"x", {"cfgx", "second"}},
                                                         {"y", {"a b&c"}}};
  const Labels l{{"__scheme__", "http"},
                 {"__address__", "p:1"},
                 {"__metrics_path__", "/metrics"},
                 {"__param_x", "fromlabel"},
                 {"__param_z", "zz"}};
  EXPECT_EQ(ScrapeUrl(l, params), "http://p:1/metrics?x=fromlabel&x=second&y=a+b%26c&z=zz");
  EXPECT_EQ(ScrapeUrl(Labels{{"__scheme__", "https"},
                             {"__address__", "[::1]:443"},
                             {"__metrics_path__", "a b/c?d%"}},
                      {}),
            "https://[::1]:443/a%20b/c%3Fd%25");
  EXPECT_EQ(ScrapeUrl(Labels{{"__scheme__", "http"}, {"__address__", "h:80"}}, {}), "http://h:80");
  EXPECT_EQ(ScrapeUrl(Labels{{"__scheme__", "http"},
                             {"__address__", "h:80"},
                             {"__metrics_path__", "/p"},
                             {"__param_q", "a/b:c=d+e"}},
                      {}),
            "http://h:80/p?q=a%2Fb%3Ac%3Dd%2Be");
}

TEST(TargetPopulator, AddsDefaultsBeforeRelabeling) {
  const config::ScrapeConfig cfg =
      Job("scrape_interval: 30s\nscrape_timeout: 7s\nmetrics_path: /m\nscheme: https\n"
          "params: {a: [1, 2]}\n");
  TargetPopulator p(cfg);
  Result<Target> t = p.Populate(Labels{{"__address__", "h:1"}, {"__meta_x", "m"}});
  ASSERT_TRUE(t.ok()) << t.error().message();
  EXPECT_FALSE(t->dropped);
  EXPECT_EQ(t->discovered.ToString(), Labels({{"__address__", "h:1"},
                                              {"__meta_x", "m"},
                                              {"__metrics_path__", "/m"},
                                              {"__param_a", "1"},
                                              {"__scheme__", "https"},
                                              {"__scrape_interval__", "30s"},
                                              {"__scrape_timeout__", "7s"},
                                              {"job", "j"}})
                                          .ToString());
  EXPECT_EQ(t->labels.ToString(), Labels({{"__address__", "h:1"},
                                          {"__metrics_path__", "/m"},
                                          {"__param_a", "1"},
                                          {"__scheme__", "https"},
                                          {"__scrape_interval__", "30s"},
                                          {"__scrape_timeout__", "7s"},
                                          {"instance", "h:1"},
                                          {"job", "j"}})
                                      .ToString());
  EXPECT_EQ(t->PublicLabels().ToString(), Labels({{"instance", "h:1"}, {"job", "j"}}).ToString());
  EXPECT_EQ(t->scrape_url, "https://h:1/m?a=1&a=2");
  EXPECT_EQ(t->interval, std::chrono::seconds(30));
  EXPECT_EQ(t->timeout, std::chrono::seconds(7));
}

TEST(TargetPopulator, TargetLabelsWinOverDefaultsButNotOverParams) {
  const config::ScrapeConfig cfg = Job("params: {x: [cfg]}\n");
  TargetPopulator p(cfg);
  Result<Target> t = p.Populate(Labels{{"__address__", "h:1"},
                                       {"job", "mine"},
                                       {"instance", "i"},
                                       {"__metrics_path__", "/own"},
                                       {"__param_x", "label"}});
  ASSERT_TRUE(t.ok()) << t.error().message();
  EXPECT_EQ(t->PublicLabels().ToString(), Labels({{"instance", "i"}, {"job", "mine"}}).ToString());
  EXPECT_EQ(t->discovered.Get("__param_x"), "cfg");
  EXPECT_EQ(t->scrape_url, "http://h:1/own?x=cfg");
}

TEST(TargetPopulator, AddsTheDefaultPortForTheScheme) {
  const config::ScrapeConfig cfg = Job("");
  TargetPopulator p(cfg);
  struct Case {
    Labels in;
    const char* address;
    const char* url;
  } cases[] = {
      {Address("hostonly"), "hostonly:80", "http://hostonly:80/metrics"},
      {Address("[::1]"), "[::1]:80", "http://[::1]:80/metrics"},
      {Address("::1"), "::1", "http://::1/metrics"},
      {Address("h:"), "h:", "http://h:/metrics"},
      {Address("[::1]:5"), "[::1]:5", "http://[::1]:5/metrics"},
      {Labels{{"__address__", "secure"}, {"__scheme__", "https"}}, "secure:443",
       "https://secure:443/metrics"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.address);
    Result<Target> t = p.Populate(c.in);
    ASSERT_TRUE(t.ok()) << t.error().message();
    EXPECT_EQ(t->labels.Get("__address__"), c.address);
    EXPECT_EQ(t->labels.Get("instance"), c.address);
    EXPECT_EQ(t->scrape_url, c.url);
  }
}

TEST(TargetPopulator, DroppedTargetKeepsItsDiscoveredLabels) {
  const config::ScrapeConfig cfg =
      Job("relabel_configs:\n  - source_labels: [__address__]\n    regex: drop.*\n"
          "    action: drop\n");
  TargetPopulator p(cfg);
  Result<Target> t = p.Populate(Address("drop:1"));
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->dropped);
  EXPECT_EQ(t->discovered.Get("__address__"), "drop:1");
  EXPECT_EQ(t->discovered.Get("job"), "j");
  EXPECT_TRUE(t->labels.empty());
  ASSERT_TRUE(p.Populate(Address("keep:1")).ok());
  EXPECT_FALSE(p.Populate(Address("keep:1"))->dropped);
}

TEST(TargetPopulator, RefusedTargetsAreErrorsWithPrometheusMessages) {
  // Messages as Prometheus 2.42 logs them ("Creating target failed").
  const auto error_for = [](const std::string& rules, const Labels& in) -> std::string {
    const config::ScrapeConfig cfg = Job("relabel_configs:\n" + rules);
    TargetPopulator p(cfg);
    Result<Target> t = p.Populate(in);
    return t.ok() ? "<ok>" : t.error().message();
  };
  EXPECT_EQ(error_for("  - target_label: __address__\n    replacement: ''\n", Address("a:1")),
            "no address");
  EXPECT_EQ(error_for("  - target_label: __address__\n    replacement: e2/path\n", Address("a:1")),
            "\"e2/path:80\" is not a valid hostname");
  EXPECT_EQ(error_for("  - target_label: __address__\n    replacement: 'h:1/x'\n", Address("a:1")),
            "\"h:1/x\" is not a valid hostname");
  EXPECT_EQ(
      error_for("  - target_label: __scrape_interval__\n    replacement: bogus\n", Address("a:1")),
      "error parsing scrape interval: not a valid duration string: \"bogus\"");
  EXPECT_EQ(
      error_for("  - target_label: __scrape_interval__\n    replacement: 0s\n", Address("a:1")),
      "scrape interval cannot be 0");
  EXPECT_EQ(
      error_for("  - target_label: __scrape_timeout__\n    replacement: 1x\n", Address("a:1")),
      "error parsing scrape timeout: not a valid duration string: \"1x\"");
  EXPECT_EQ(
      error_for("  - target_label: __scrape_timeout__\n    replacement: 0s\n", Address("a:1")),
      "scrape timeout cannot be 0");
  EXPECT_EQ(
      error_for("  - target_label: __scrape_interval__\n    replacement: 5s\n", Address("a:1")),
      "scrape timeout cannot be greater than scrape interval (\"10s\" > \"5s\")");
  EXPECT_EQ(error_for("  - target_label: __scheme__\n    replacement: ftp\n", Address("a")),
            "invalid scheme: \"http\"");
  EXPECT_EQ(error_for("  - target_label: __scheme__\n    replacement: ftp\n", Address("a:1")),
            "<ok>");
  EXPECT_EQ(error_for("  - target_label: x\n    replacement: ok\n",
                      Labels{{"__address__", "a:1"}, {"bad", "\xff"}}),
            "invalid label value for \"bad\": \"\\xff\"");
  // A timeout relabeled alone, below the interval, is fine.
  EXPECT_EQ(
      error_for("  - target_label: __scrape_timeout__\n    replacement: 5s\n", Address("a:1")),
      "<ok>");
}

TEST(TargetPopulator, FromGroupMergesGroupLabelsAndNamesFailures) {
  const config::ScrapeConfig cfg =
      Job("relabel_configs:\n  - source_labels: [__address__]\n    regex: bad:1\n"
          "    target_label: __address__\n    replacement: ''\n");
  TargetPopulator p(cfg);
  TargetGroup g;
  g.source = "7";
  g.labels = Labels{{"env", "prod"}, {"team", "group"}};
  g.targets = {Labels{{"__address__", "a:1"}, {"team", "target"}}, Address("bad:1")};
  const std::vector<Result<Target>> out = p.FromGroup(g);
  ASSERT_EQ(out.size(), 2u);
  ASSERT_TRUE(out[0].ok());
  EXPECT_EQ(
      out[0]->PublicLabels().ToString(),
      Labels({{"env", "prod"}, {"instance", "a:1"}, {"job", "j"}, {"team", "target"}}).ToString());
  ASSERT_FALSE(out[1].ok());
  EXPECT_EQ(out[1].error().message(), "instance 1 in group 7: no address");
}

TEST(StaticTargetGroups, OneGroupPerStaticConfig) {
  const config::ScrapeConfig cfg =
      Job("static_configs:\n  - targets: [a:1, b:2]\n    labels: {x: y}\n  - targets: [c:3]\n");
  const std::vector<TargetGroup> groups =
      discovery::StaticGroups(cfg.service_discovery.static_configs);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].source, "0");
  EXPECT_EQ(groups[1].source, "1");
  ASSERT_EQ(groups[0].targets.size(), 2u);
  EXPECT_EQ(groups[0].targets[1].Get("__address__"), "b:2");
  EXPECT_EQ(groups[0].labels.Get("x"), "y");
  EXPECT_TRUE(groups[1].labels.empty());
}

}  // namespace
}  // namespace tsdbd::scrape
