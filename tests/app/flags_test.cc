#include "cmd/tsdbd/flags.h"

#include <gtest/gtest.h>

namespace tsdbd {
namespace {

using namespace std::chrono_literals;

Flags Parse(std::vector<std::string> args) {
  auto cl = ParseCommandLine(args);
  EXPECT_TRUE(cl.ok()) << cl.error().message();
  return cl->flags;
}

std::string ErrorOf(std::vector<std::string> args) {
  auto cl = ParseCommandLine(args);
  EXPECT_FALSE(cl.ok());
  return cl.ok() ? "" : cl.error().message();
}

TEST(Flags, DefaultsArePrometheuss) {
  Flags f = Parse({});
  EXPECT_EQ(f.config_file, "prometheus.yml");
  EXPECT_EQ(f.listen_address, "0.0.0.0:9090");
  EXPECT_EQ(f.storage_path, "data/");
  EXPECT_EQ(f.max_connections, 512);
  EXPECT_EQ(f.read_timeout, 5min);
  EXPECT_EQ(f.retention_time, 15 * 24h);
  EXPECT_EQ(f.retention_size, 0);
  EXPECT_EQ(f.query_timeout, 2min);
  EXPECT_EQ(f.query_max_concurrency, 20);
  EXPECT_EQ(f.query_max_samples, 50'000'000);
  EXPECT_EQ(f.lookback_delta, 5min);
  EXPECT_EQ(f.for_outage_tolerance, 1h);
  EXPECT_EQ(f.min_block_duration, 2h);
  EXPECT_EQ(f.max_block_duration, 36h);  // 10% of 15d
  EXPECT_EQ(f.route_prefix, "/");
  EXPECT_FALSE(f.enable_lifecycle);
  EXPECT_FALSE(f.no_lockfile);
  EXPECT_TRUE(f.wal_compression);
  EXPECT_EQ(f.log_level, "info");
  EXPECT_EQ(f.log_format, "logfmt");
}

TEST(Flags, StatusStringsMatchPrometheus) {
  Flags f = Parse({});
  EXPECT_EQ(f.as_strings.at("storage.tsdb.retention.time"), "0s");
  EXPECT_EQ(f.as_strings.at("storage.tsdb.retention.size"), "0B");
  EXPECT_EQ(f.as_strings.at("storage.tsdb.max-block-duration"), "1d12h");
  EXPECT_EQ(f.as_strings.at("query.timeout"), "2m");
  EXPECT_EQ(f.as_strings.at("web.route-prefix"), "/");
  EXPECT_EQ(f.as_strings.at("web.enable-lifecycle"), "false");
  EXPECT_EQ(f.as_strings.at("query.max-samples"), "50000000");
  EXPECT_EQ(f.as_strings.at("web.external-url"), "");
  EXPECT_EQ(f.as_strings.at("enable-feature"), "");
  EXPECT_EQ(f.as_strings.at("alertmanager.timeout"), "");
  EXPECT_EQ(f.as_strings.size(), 53u);
  // Prometheus keeps this one as given (it has no effect).
  EXPECT_EQ(Parse({"--alertmanager.timeout=10000ms"}).as_strings.at("alertmanager.timeout"),
            "10000ms");
}

TEST(Flags, BothValueSyntaxesAndBooleans) {
  Flags f = Parse({"--config.file=/etc/p.yml", "--storage.tsdb.path", "/prometheus",
                   "--web.enable-lifecycle", "--no-storage.tsdb.wal-compression",
                   "--web.enable-admin-api=true", "--query.timeout=30s", "--log.format", "json"});
  EXPECT_EQ(f.config_file, "/etc/p.yml");
  EXPECT_EQ(f.storage_path, "/prometheus");
  EXPECT_TRUE(f.enable_lifecycle);
  EXPECT_TRUE(f.enable_admin_api);
  EXPECT_FALSE(f.wal_compression);
  EXPECT_EQ(f.query_timeout, 30s);
  EXPECT_EQ(f.log_format, "json");
  EXPECT_EQ(f.as_strings.at("storage.tsdb.wal-compression"), "false");
}

TEST(Flags, Retention) {
  EXPECT_EQ(Parse({"--storage.tsdb.retention.time=30d"}).retention_time, 30 * 24h);
  EXPECT_EQ(Parse({"--storage.tsdb.retention.time=1d12h"}).retention_time, 36h);
  EXPECT_EQ(Parse({"--storage.tsdb.retention.time=1y"}).retention_time, 365 * 24h);
  // The deprecated flag counts unless the new one is given.
  EXPECT_EQ(Parse({"--storage.tsdb.retention=7d"}).retention_time, 7 * 24h);
  EXPECT_EQ(
      Parse({"--storage.tsdb.retention=7d", "--storage.tsdb.retention.time=9d"}).retention_time,
      9 * 24h);
  // A size limit alone means no time limit.
  Flags sized = Parse({"--storage.tsdb.retention.size=512MB"});
  EXPECT_EQ(sized.retention_time, 0ms);
  EXPECT_EQ(sized.retention_size, 512LL << 20);
  EXPECT_EQ(sized.as_strings.at("storage.tsdb.retention.size"), "512MiB");
  EXPECT_EQ(sized.max_block_duration, 31 * 24h);
  // Capped at 100 years.
  EXPECT_EQ(Parse({"--storage.tsdb.retention.time=200y"}).retention_time, 100 * 365 * 24h);
  EXPECT_EQ(Parse({"--storage.tsdb.retention.time=30d"}).max_block_duration, 72h);
}

TEST(Flags, RoutePrefixFromExternalUrl) {
  EXPECT_EQ(Parse({"--web.external-url=http://example.com/prom/"}).route_prefix, "/prom");
  EXPECT_EQ(Parse({"--web.external-url=http://example.com"}).route_prefix, "/");
  EXPECT_EQ(Parse({"--web.route-prefix=api/"}).route_prefix, "/api");
  EXPECT_EQ(Parse({"--web.external-url=http://x/a", "--web.route-prefix=/b"}).route_prefix, "/b");
}

TEST(Flags, RepeatedFeatureFlagsAccumulate) {
  Flags f = Parse({"--enable-feature=expand-external-labels,exemplar-storage",
                   "--enable-feature=promql-at-modifier"});
  EXPECT_EQ(f.features, (std::vector<std::string>{"expand-external-labels", "exemplar-storage",
                                                  "promql-at-modifier"}));
}

TEST(Flags, ErrorsNameTheFlagAndValue) {
  EXPECT_EQ(ErrorOf({"--foo"}), "unknown long flag '--foo'");
  EXPECT_EQ(ErrorOf({"--no-config.file"}), "unknown long flag '--no-config.file'");
  EXPECT_EQ(ErrorOf({"--query.timeout"}), "expected argument for flag '--query.timeout'");
  EXPECT_EQ(ErrorOf({"extra"}), "unexpected argument 'extra'");
  EXPECT_NE(ErrorOf({"--query.timeout=abc"}).find("not a valid duration string"),
            std::string::npos);
  EXPECT_NE(ErrorOf({"--storage.tsdb.retention.size=12"}).find("--storage.tsdb.retention.size"),
            std::string::npos);
  EXPECT_NE(ErrorOf({"--query.max-concurrency=x"}).find("expected an integer"), std::string::npos);
  EXPECT_NE(ErrorOf({"--log.level=foo"}).find("must be one of"), std::string::npos);
  EXPECT_NE(ErrorOf({"--log.format=xml"}).find("--log.format"), std::string::npos);
  EXPECT_NE(ErrorOf({"--web.enable-lifecycle=maybe"}).find("expected true or false"),
            std::string::npos);
  EXPECT_NE(ErrorOf({"--query.max-concurrency=0"}).find("at least 1"), std::string::npos);
}

TEST(Flags, ActionsAndSubcommands) {
  EXPECT_EQ(ParseCommandLine({"--help"})->action, CommandLine::Action::kHelp);
  EXPECT_EQ(ParseCommandLine({"-h"})->action, CommandLine::Action::kHelp);
  EXPECT_EQ(ParseCommandLine({"--version"})->action, CommandLine::Action::kVersion);
  auto check = ParseCommandLine({"check", "config", "a.yml", "b.yml"});
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(check->action, CommandLine::Action::kCheckConfig);
  EXPECT_EQ(check->check_files, (std::vector<std::string>{"a.yml", "b.yml"}));
  EXPECT_FALSE(ParseCommandLine({"check", "config"}).ok());
}

TEST(Flags, UsageListsVisibleFlagsOnly) {
  const std::string usage = UsageText();
  EXPECT_NE(usage.find("--storage.tsdb.retention.time"), std::string::npos);
  EXPECT_NE(usage.find("--web.enable-lifecycle"), std::string::npos);
  EXPECT_EQ(usage.find("--storage.tsdb.min-block-duration"), std::string::npos);
}

}  // namespace
}  // namespace tsdbd
