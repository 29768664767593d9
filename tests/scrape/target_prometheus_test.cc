// Differential test: the targets Prometheus 2.42 makes from a prometheus.yml (read from its
// /api/v1/targets) against what TargetPopulator makes from the same file.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <set>
#include <string>
#include <vector>

#include "lib/config/config.h"
#include "lib/scrape/discovery/static_discoverer.h"
#include "lib/scrape/target/target.h"
#include "tests/testing/http_client.h"
#include "tests/testing/process.h"
#include "tests/testing/prometheus_process.h"

namespace tsdbd::scrape {
namespace {

// Targets point at closed ports on 127.0.0.1 or at names that never resolve: only labels
// are compared, scrapes may fail.
constexpr char kConfig[] = R"(global:
  scrape_interval: 1m
  scrape_timeout: 10s
scrape_configs:
  - job_name: basic
    static_configs:
      - targets: ['127.0.0.1:1', '127.0.0.1:2', 'nohost.invalid']
        labels: {env: prod, team: a}
      - targets: ['127.0.0.1:3']
        labels: {job: overridden, instance: named}
      - targets: ['[::1]', '::1', 'h.invalid:']
  - job_name: actions
    scrape_interval: 30s
    scrape_timeout: 20s
    static_configs:
      - targets: ['a.invalid:1', 'b.invalid:2', 'c.invalid:3', 'skip.invalid:4']
        labels: {__meta_pod_label_app: Web, __meta_pod_label_tier: Front, region: EU-West, copy: a.invalid:1, junk_1: x, junk_2: y}
      - targets: ['d.invalid:5']
        labels: {__meta_pod_label_app: Api, region: us-east, copy: no, uni: 'ÄÖÜ straße İ ǅ ΣΑΣ ﬁ'}
    relabel_configs:
      - source_labels: [__address__]
        regex: 'skip\..*'
        action: drop
      - source_labels: [__address__, region]
        regex: '(.*)\.invalid:(\d+);(.*)'
        target_label: where
        replacement: '${1}@$3#$2$$'
      - source_labels: [__address__]
        modulus: 4
        target_label: shard
        action: hashmod
      - source_labels: [__address__]
        modulus: 1000000007
        target_label: bighash
        action: hashmod
      - regex: '__meta_pod_label_(.+)'
        replacement: 'pod_$1'
        action: labelmap
      - source_labels: [pod_app]
        target_label: app_lower
        action: lowercase
      - source_labels: [region]
        target_label: region
        action: uppercase
      - source_labels: [uni]
        target_label: uni_lower
        action: lowercase
      - source_labels: [uni]
        target_label: uni_upper
        action: uppercase
      - regex: 'junk_.*'
        action: labeldrop
      - source_labels: [copy]
        target_label: __address__
        action: dropequal
      - source_labels: [region]
        target_label: region
        action: keepequal
      - regex: '__.*|pod_.*|where|shard|bighash|app_lower|region|copy|job|uni.*'
        action: labelkeep
      - source_labels: [job]
        regex: actions
        action: keep
      - source_labels: [where]
        regex: '(.*)@(.*)'
        target_label: '${1}_site'
        replacement: '$2'
      - source_labels: [where]
        regex: '(.*)'
        target_label: '$1x'
        replacement: 'skipped: invalid name'
  - job_name: params
    scheme: https
    metrics_path: '/custom path/metrics?x!'
    params:
      module: [http_2xx, second]
      q: ['a b&c=d/e']
    static_configs:
      - targets: ['p.invalid', 'p.invalid:8443']
        labels: {__param_module: fromlabel, __param_extra: 'e x'}
  - job_name: address
    static_configs:
      - targets: ['127.0.0.1:9']
        labels: {__meta_real: 'real.invalid:9100', __meta_path: '/other', scheme_from: https}
      - targets: ['127.0.0.1:10']
        labels: {__meta_real: 'plain.invalid', odd: 'we ird%host'}
    relabel_configs:
      - source_labels: [__meta_real]
        target_label: __address__
      - source_labels: [__meta_path]
        regex: '(.+)'
        target_label: __metrics_path__
      - source_labels: [scheme_from]
        regex: '(.+)'
        target_label: __scheme__
      - source_labels: [odd]
        regex: '(.+)'
        target_label: __address__
        replacement: '$1:7'
      - source_labels: [__address__]
        target_label: __param_target
      - target_label: __scrape_interval__
        replacement: 15s
      - target_label: __scrape_timeout__
        replacement: 5s
  - job_name: drops
    static_configs:
      - targets: ['x.invalid:1', 'y.invalid:2', 'z.invalid:3']
    relabel_configs:
      - source_labels: [__address__]
        regex: 'x.*'
        action: keep
  - job_name: errors
    static_configs:
      - targets: ['e1.invalid:1', 'e2.invalid:1', 'e3.invalid:1', 'e4.invalid:1', 'e5.invalid:1', 'ok.invalid:1']
    relabel_configs:
      - source_labels: [__address__]
        regex: 'e1.*'
        target_label: __address__
        replacement: ''
      - source_labels: [__address__]
        regex: 'e2.*'
        target_label: __address__
        replacement: 'e2/path'
      - source_labels: [__address__]
        regex: 'e3.*'
        target_label: __scrape_interval__
        replacement: 'bogus'
      - source_labels: [__address__]
        regex: 'e4.*'
        target_label: __scrape_timeout__
        replacement: '0s'
      - source_labels: [__address__]
        regex: 'e5.*'
        target_label: __scrape_interval__
        replacement: '5s'
)";

Labels LabelsFromJson(const boost::json::object& obj) {
  std::vector<std::pair<std::string, std::string>> owned;
  for (const auto& kv : obj) {
    owned.emplace_back(std::string(kv.key()), std::string(kv.value().as_string()));
  }
  std::vector<std::pair<std::string_view, std::string_view>> pairs(owned.begin(), owned.end());
  return Labels::FromPairs(pairs);
}

// Prometheus 2.42 shows discoveredLabels clobbered by relabeling: rules that write labels
// overwrite the discovered label list in place (same length, later labels pushed out),
// while its API documentation promises "the unmodified labels retrieved during service
// discovery before relabelling has occurred". We keep the documented behaviour, so
// discovered labels are compared exactly only for pools whose rules never write (no rules,
// or only keep/drop/keepequal/dropequal), and by label count elsewhere.
bool RulesNeverWrite(const config::ScrapeConfig& sc) {
  for (const config::RelabelConfig& r : sc.relabel_configs) {
    switch (r.action) {
      case config::RelabelAction::kKeep:
      case config::RelabelAction::kDrop:
      case config::RelabelAction::kKeepEqual:
      case config::RelabelAction::kDropEqual:
        break;
      default:
        return false;
    }
  }
  return true;
}

std::string Discovered(const Labels& l, bool exact) {
  if (exact) return l.ToString();
  std::string out = std::to_string(l.size());
  out.append(" labels");
  return out;
}

// What the API shows of one target, as comparable text.
std::string Active(std::string_view pool, const std::string& discovered, const std::string& labels,
                   std::string_view url, std::string_view interval, std::string_view timeout) {
  std::string s(pool);
  s += " discovered=" + discovered + " labels=" + labels + " url=";
  s += url;
  s += " every=";
  s += interval;
  s += " timeout=";
  s += timeout;
  return s;
}

// logfmt's quoting of an error message in Prometheus's log.
std::string LogfmtQuoted(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

TEST(TargetPrometheusDifferential, SameTargetsAsPrometheus) {
  if (!tsdbd::testing::HaveProgram("prometheus")) GTEST_SKIP() << "prometheus not installed";

  // Our side.
  Result<config::Config> cfg = config::ParseConfig(kConfig, "prometheus.yml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message();
  std::vector<std::string> want_active;
  std::vector<std::string> want_dropped;
  std::vector<std::string> want_errors;
  std::set<std::string> exact_pools;
  for (const config::ScrapeConfig& sc : cfg->scrape_configs) {
    const bool exact = RulesNeverWrite(sc);
    if (exact) exact_pools.insert(sc.job_name);
    TargetPopulator populator(sc);
    for (const TargetGroup& g : discovery::StaticGroups(sc.service_discovery.static_configs)) {
      for (const Result<Target>& t : populator.FromGroup(g)) {
        if (!t.ok()) {
          want_errors.push_back(t.error().message());
        } else if (t->dropped) {
          want_dropped.push_back(sc.job_name + " " + Discovered(t->discovered, exact));
        } else {
          want_active.push_back(Active(sc.job_name, Discovered(t->discovered, exact),
                                       t->PublicLabels().ToString(), t->scrape_url,
                                       FormatDuration(t->interval), FormatDuration(t->timeout)));
        }
      }
    }
  }
  std::sort(want_active.begin(), want_active.end());
  std::sort(want_dropped.begin(), want_dropped.end());
  ASSERT_EQ(want_errors.size(), 5u);  // e1..e5 of the errors job

  // Prometheus's side.
  tsdbd::testing::TempDir dir;
  tsdbd::testing::PrometheusProcess prometheus(dir.path() + "/data", kConfig);
  const uint16_t port = prometheus.port();

  std::vector<std::string> got_active;
  std::vector<std::string> got_dropped;
  const bool complete = tsdbd::testing::WaitUntil(
      [&] {
        got_active.clear();
        got_dropped.clear();
        const auto resp = tsdbd::testing::Get(port, "/api/v1/targets");
        if (resp.status != 200) return false;
        boost::system::error_code ec;
        const boost::json::value v = boost::json::parse(resp.body, ec);
        if (ec) return false;
        const boost::json::object& data = v.at("data").as_object();
        for (const auto& t : data.at("activeTargets").as_array()) {
          const boost::json::object& o = t.as_object();
          const std::string pool(o.at("scrapePool").as_string());
          got_active.push_back(Active(
              pool,
              Discovered(LabelsFromJson(o.at("discoveredLabels").as_object()),
                         exact_pools.count(pool) > 0),
              LabelsFromJson(o.at("labels").as_object()).ToString(), o.at("scrapeUrl").as_string(),
              o.at("scrapeInterval").as_string(), o.at("scrapeTimeout").as_string()));
        }
        for (const auto& t : data.at("droppedTargets").as_array()) {
          // Dropped targets carry no pool: their job label names it (no rule here writes job).
          const Labels discovered = LabelsFromJson(t.at("discoveredLabels").as_object());
          const std::string pool(discovered.Get("job"));
          got_dropped.push_back(pool + " " + Discovered(discovered, exact_pools.count(pool) > 0));
        }
        return got_active.size() + got_dropped.size() >= want_active.size() + want_dropped.size();
      },
      std::chrono::seconds(60));
  ASSERT_TRUE(complete) << "Prometheus listed " << got_active.size() << " active and "
                        << got_dropped.size() << " dropped targets; log:\n"
                        << prometheus.log();
  std::sort(got_active.begin(), got_active.end());
  std::sort(got_dropped.begin(), got_dropped.end());
  EXPECT_EQ(got_active, want_active);
  EXPECT_EQ(got_dropped, want_dropped);

  // Refused targets are listed nowhere; Prometheus logs each with the same message.
  for (const std::string& e : want_errors) {
    const std::string needle = "err=\"" + LogfmtQuoted(e) + "\"";
    EXPECT_TRUE(tsdbd::testing::WaitUntil(
        [&] { return prometheus.log().find(needle) != std::string::npos; },
        std::chrono::seconds(10)))
        << needle << "\nlog:\n"
        << prometheus.log();
  }
}

}  // namespace
}  // namespace tsdbd::scrape
