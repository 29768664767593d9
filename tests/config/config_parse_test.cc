// ParseConfig: defaults, inheritance, relabel defaults, and errors with exact positions.
#include <gtest/gtest.h>
#include <re2/re2.h>

#include "lib/config/config.h"

namespace tsdbd::config {
namespace {

Config MustParse(const std::string& yaml) {
  auto c = ParseConfig(yaml, "prometheus.yml");
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message());
  return c.ok() ? *c : Config{};
}

std::string ErrorOf(const std::string& yaml) {
  auto c = ParseConfig(yaml, "prometheus.yml");
  return c.ok() ? "<accepted>" : c.error().message();
}

TEST(ParseConfig, EmptyFileHasDefaults) {
  Config c = MustParse("");
  EXPECT_EQ(c.global.scrape_interval, Duration(60000));
  EXPECT_EQ(c.global.scrape_timeout, Duration(10000));
  EXPECT_EQ(c.global.evaluation_interval, Duration(60000));
  EXPECT_TRUE(c.scrape_configs.empty());
  EXPECT_EQ(c, MustParse("global: {}\n"));
}

TEST(ParseConfig, ScrapeConfigDefaultsAndGlobalInheritance) {
  Config c = MustParse(R"(global:
  scrape_interval: 15s
  external_labels: {region: eu}
scrape_configs:
  - job_name: a
  - job_name: b
    scrape_interval: 5s
  - job_name: c
    scrape_interval: 1m
    scrape_timeout: 30s
)");
  ASSERT_EQ(c.scrape_configs.size(), 3u);
  const ScrapeConfig& a = c.scrape_configs[0];
  EXPECT_EQ(a.scrape_interval, Duration(15000));
  EXPECT_EQ(a.scrape_timeout, Duration(10000));
  EXPECT_EQ(a.metrics_path, "/metrics");
  EXPECT_EQ(a.scheme, "http");
  EXPECT_TRUE(a.honor_timestamps);
  EXPECT_FALSE(a.honor_labels);
  EXPECT_TRUE(a.http_client.follow_redirects);
  EXPECT_TRUE(a.http_client.enable_http2);
  // The interval is below the global timeout: the timeout becomes the interval.
  EXPECT_EQ(c.scrape_configs[1].scrape_timeout, Duration(5000));
  EXPECT_EQ(c.scrape_configs[2].scrape_timeout, Duration(30000));
  EXPECT_EQ(c.global.external_labels.at("region"), "eu");
}

TEST(ParseConfig, GlobalTimeoutDefaultsToShortInterval) {
  Config c = MustParse("global:\n  scrape_interval: 4s\n");
  EXPECT_EQ(c.global.scrape_timeout, Duration(4000));
}

TEST(ParseConfig, RelabelDefaultsPerAction) {
  Config c = MustParse(R"(scrape_configs:
  - job_name: a
    relabel_configs:
      - target_label: x
      - {action: KEEP, source_labels: [a]}
      - {action: hashmod, source_labels: [a], modulus: 3, target_label: h}
      - {action: labelmap, regex: '__meta_(.+)'}
      - {action: labeldrop, regex: tmp}
      - {action: lowercase, source_labels: [a], target_label: b}
      - {action: dropequal, source_labels: [a], target_label: b}
)");
  const auto& r = c.scrape_configs[0].relabel_configs;
  ASSERT_EQ(r.size(), 7u);
  EXPECT_EQ(r[0].action, RelabelAction::kReplace);
  EXPECT_EQ(r[0].separator, ";");
  EXPECT_EQ(r[0].regex_text, "(.*)");
  EXPECT_EQ(r[0].replacement, "$1");
  EXPECT_EQ(r[1].action, RelabelAction::kKeep);
  EXPECT_EQ(r[2].modulus, 3u);
  EXPECT_EQ(r[3].action, RelabelAction::kLabelMap);
  EXPECT_EQ(r[4].action, RelabelAction::kLabelDrop);
  EXPECT_EQ(r[5].action, RelabelAction::kLowercase);
  EXPECT_EQ(r[6].action, RelabelAction::kDropEqual);
  // Regexes are fully anchored.
  ASSERT_TRUE(r[4].regex);
  EXPECT_TRUE(RE2::FullMatch("tmp", *r[4].regex));
  EXPECT_FALSE(RE2::PartialMatch("tmpx", *r[4].regex));
}

TEST(ParseConfig, ModulusTakesTheWholeUint64Range) {
  Config c = MustParse(R"(scrape_configs:
  - job_name: a
    relabel_configs:
      - {action: hashmod, source_labels: [a], modulus: 18446744073709551615, target_label: h}
)");
  EXPECT_EQ(c.scrape_configs[0].relabel_configs[0].modulus, 18446744073709551615u);
  EXPECT_FALSE(ParseConfig(R"(scrape_configs:
  - job_name: a
    relabel_configs:
      - {action: hashmod, source_labels: [a], modulus: 18446744073709551616, target_label: h}
)", "p.yml").ok());
}

TEST(ParseConfig, DiscoveryDefaults) {
  Config c = MustParse(R"(scrape_configs:
  - job_name: a
    dns_sd_configs: [{names: [x.local]}, {names: [y.local], type: A, port: 8000}]
    file_sd_configs: [{files: [t/*.json]}]
    static_configs: [{targets: ['h:1'], labels: {env: prod}}]
)");
  const auto& sd = c.scrape_configs[0].service_discovery;
  EXPECT_EQ(sd.dns_sd_configs[0].type, "SRV");
  EXPECT_EQ(sd.dns_sd_configs[0].refresh_interval, Duration(30000));
  EXPECT_EQ(sd.dns_sd_configs[1].port, 8000);
  EXPECT_EQ(sd.file_sd_configs[0].refresh_interval, Duration(300000));
  EXPECT_EQ(sd.static_configs[0].labels.at("env"), "prod");
}

TEST(ParseConfig, RemoteAndAlertingDefaults) {
  Config c = MustParse(R"(alerting:
  alertmanagers: [{static_configs: [{targets: ['am:9093']}]}]
remote_write: [{url: 'http://w/api'}]
remote_read: [{url: 'http://r/api'}]
)");
  EXPECT_EQ(c.alerting.alertmanagers[0].timeout, Duration(10000));
  EXPECT_EQ(c.alerting.alertmanagers[0].api_version, "v2");
  EXPECT_EQ(c.remote_write[0].remote_timeout, Duration(30000));
  EXPECT_EQ(c.remote_write[0].queue_config.capacity, 2500);
  EXPECT_EQ(c.remote_write[0].queue_config.max_shards, 200);
  EXPECT_EQ(c.remote_write[0].queue_config.max_samples_per_send, 500);
  EXPECT_TRUE(c.remote_write[0].metadata_config.send);
  EXPECT_EQ(c.remote_read[0].remote_timeout, Duration(60000));
  EXPECT_TRUE(c.remote_read[0].filter_external_labels);
}

TEST(ParseConfig, BearerTokenBecomesAuthorization) {
  Config c = MustParse("scrape_configs:\n  - job_name: a\n    bearer_token: t\n");
  ASSERT_TRUE(c.scrape_configs[0].http_client.authorization);
  EXPECT_EQ(c.scrape_configs[0].http_client.authorization->type, "Bearer");
  EXPECT_EQ(c.scrape_configs[0].http_client.authorization->credentials, "t");
}

struct BadCase {
  const char* yaml;
  const char* error;
};

class ParseConfigErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(ParseConfigErrors, NamesFileLineColumn) {
  EXPECT_EQ(ErrorOf(GetParam().yaml), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    All, ParseConfigErrors,
    ::testing::Values(
        BadCase{"scrape_configs:\n  - job_name: a\n    bogus: 1\n",
                "prometheus.yml:3:5: field bogus not found in scrape config"},
        BadCase{"globl:\n  scrape_interval: 1s\n",
                "prometheus.yml:1:1: field globl not found in config"},
        BadCase{"scrape_configs:\n  - job_name: a\n  - job_name: a\n",
                "prometheus.yml:3:5: found multiple scrape configs with job name \"a\""},
        BadCase{"scrape_configs:\n  - job_name: a\n    scrape_interval: 5s\n    scrape_timeout: "
                "6s\n",
                "prometheus.yml:4:21: scrape timeout (6s) greater than scrape interval (5s) for "
                "scrape config with job name \"a\""},
        BadCase{"global:\n  scrape_interval: 5s\n  scrape_timeout: 6s\n",
                "prometheus.yml:3:19: global scrape timeout (6s) greater than scrape interval "
                "(5s)"},
        BadCase{"global:\n  scrape_interval: 5x\n",
                "prometheus.yml:2:20: not a valid duration string: \"5x\""},
        BadCase{"scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - regex: '('\n",
                "prometheus.yml:4:16: error parsing regexp: missing ): ^(?:()$"},
        BadCase{"global:\n  external_labels:\n    0a: b\n",
                "prometheus.yml:3:5: \"0a\" is not a valid label name"},
        BadCase{"scrape_configs:\n  - job_name: a\n    static_configs:\n      - targets: [x]\n"
                "        labels: {a-b: c}\n",
                "prometheus.yml:5:18: \"a-b\" is not a valid label name"},
        BadCase{"scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - target_label: "
                "'1x'\n",
                "prometheus.yml:4:23: \"1x\" is invalid 'target_label' for replace action"},
        BadCase{"scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: rename\n",
                "prometheus.yml:4:17: unknown relabel action \"rename\""},
        BadCase{"scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: hashmod\n"
                "        target_label: h\n",
                "prometheus.yml:4:9: relabel configuration for hashmod requires non-zero "
                "modulus"},
        BadCase{"scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: "
                "labelkeep\n        separator: ','\n",
                "prometheus.yml:4:9: labelkeep action requires only 'regex', and no other "
                "fields"},
        BadCase{"scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: "
                "uppercase\n        target_label: b\n        replacement: x\n",
                "prometheus.yml:6:22: 'replacement' can not be set for uppercase action"},
        BadCase{"scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: "
                "keepequal\n        target_label: b\n        regex: x\n",
                "prometheus.yml:4:9: keepequal action requires only 'source_labels' and "
                "`target_label`, and no other fields"},
        BadCase{"scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: "
                "labelmap\n        replacement: '1x'\n",
                "prometheus.yml:5:22: \"1x\" is invalid 'replacement' for labelmap action"},
        BadCase{"scrape_configs:\n  - job_name: a\n    proxy_url: '::x'\n",
                "prometheus.yml:3:16: parse \"::x\": missing protocol scheme"},
        BadCase{"scrape_configs:\n  - job_name: a\n    basic_auth: {username: u, password: p, "
                "password_file: f}\n",
                "prometheus.yml:3:17: at most one of basic_auth password & password_file must "
                "be configured"},
        BadCase{"scrape_configs:\n  - job_name: a\n    basic_auth: {username: u}\n    "
                "authorization: {credentials: c}\n",
                "prometheus.yml:2:5: at most one of basic_auth, oauth2 & authorization must be "
                "configured"},
        BadCase{"scrape_configs:\n  - job_name: a\n    dns_sd_configs: [{names: [x], type: "
                "TXT}]\n",
                "prometheus.yml:3:41: invalid DNS-SD records type TXT"},
        BadCase{"scrape_configs:\n  - job_name: a\n    dns_sd_configs: [{names: [x], type: A}]\n",
                "prometheus.yml:3:22: a port is required in DNS-SD configs for all record types "
                "except SRV"},
        BadCase{"scrape_configs:\n  - scrape_interval: 5s\n",
                "prometheus.yml:2:5: job_name is empty"},
        BadCase{"remote_write:\n  - name: x\n",
                "prometheus.yml:2:5: url for remote_write is empty"},
        BadCase{"remote_write:\n  - url: http://x\n    headers: {Host: y}\n",
                "prometheus.yml:3:14: Host is a reserved header. It must not be changed"},
        BadCase{"scrape_configs:\n  - job_name: a\n    file_sd_configs: [{files: [a.txt]}]\n",
                "prometheus.yml:3:32: path name \"a.txt\" is not valid for file discovery"},
        BadCase{"scrape_configs:\n  - job_name: a\n    honor_labels: maybe\n",
                "prometheus.yml:3:19: cannot unmarshal !!str `maybe` into bool"},
        BadCase{"scrape_configs:\n  - job_name: a\n    static_configs: [{targets: ['http://x/"
                "m']}]\n",
                "prometheus.yml:3:21: \"http://x/m\" is not a valid hostname"},
        BadCase{"alerting:\n  alertmanagers: [{api_version: v3}]\n",
                "prometheus.yml:2:33: expected Alertmanager api version to be one of [v1 v2] "
                "but got \"v3\""},
        BadCase{"tracing:\n  insecure: true\n", "prometheus.yml:2:3: tracing endpoint must be set"},
        BadCase{"rule_files: ['a/*/b.yml']\n",
                "prometheus.yml:1:14: invalid rule file path \"a/*/b.yml\""},
        BadCase{"scrape_configs:\n  - job_name: a\n   foo: [\n",
                "prometheus.yml:3:4: end of sequence not found"}));

}  // namespace
}  // namespace tsdbd::config
