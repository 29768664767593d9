// RunCheckConfig, CheckRuleFileShape, CheckFileSdFile: promtool-like checks of referenced
// files, output and exit codes.
#include "lib/config/check_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "tests/testing/process.h"

namespace tsdbd::config {
namespace {

struct CheckOutput {
  int code;
  std::string out;
  std::string err;
};

CheckOutput Check(const std::vector<std::string>& files) {
  std::ostringstream out, err;
  int code = RunCheckConfig(files, out, err);
  return {code, out.str(), err.str()};
}

TEST(RunCheckConfig, GoodConfigWithRuleFile) {
  testing::TempDir dir;
  dir.WriteFile("rules.yml",
                "groups:\n  - name: g\n    rules:\n      - record: a:b\n        expr: up\n");
  std::string cfg = dir.WriteFile("p.yml", "rule_files: [rules.yml]\n");
  auto r = Check({cfg});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Checking " + cfg + "\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  SUCCESS: 1 rule files found\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" SUCCESS: " + cfg + " is valid prometheus config file syntax\n"),
            std::string::npos);
  EXPECT_NE(r.out.find("Checking " + dir.path() + "/rules.yml\n  SUCCESS: 1 rules found"),
            std::string::npos)
      << r.out;
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(RunCheckConfig, ParseErrorFailsWithPosition) {
  testing::TempDir dir;
  std::string cfg = dir.WriteFile("p.yml", "scrape_configs:\n  - job_name: a\n    bad: 1\n");
  auto r = Check({cfg});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "  FAILED: " + cfg + ":3:5: field bad not found in scrape config\n");
}

TEST(RunCheckConfig, MissingRuleFileFails) {
  testing::TempDir dir;
  std::string cfg = dir.WriteFile("p.yml", "rule_files: [nope.yml]\n");
  auto r = Check({cfg});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("does not point to an existing file"), std::string::npos) << r.err;
}

TEST(RunCheckConfig, UnmatchedRuleGlobPasses) {
  testing::TempDir dir;
  std::string cfg = dir.WriteFile("p.yml", "rule_files: ['rules/*.yml']\n");
  EXPECT_EQ(Check({cfg}).code, 0);
}

TEST(RunCheckConfig, BadRuleFileShapeFails) {
  testing::TempDir dir;
  dir.WriteFile("rules.yml", "groups:\n  - name: g\n    rules:\n      - expr: up\n");
  std::string cfg = dir.WriteFile("p.yml", "rule_files: [rules.yml]\n");
  auto r = Check({cfg});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("rules.yml:4:9: one of 'record' or 'alert' must be set"), std::string::npos)
      << r.err;
}

TEST(RunCheckConfig, MissingCredentialsAndCertFilesFail) {
  testing::TempDir dir;
  std::string a = dir.WriteFile(
      "a.yml", "scrape_configs:\n  - job_name: a\n    authorization: {credentials_file: tok}\n");
  std::string b = dir.WriteFile(
      "b.yml", "scrape_configs:\n  - job_name: a\n    tls_config: {cert_file: c, key_file: k}\n");
  auto r = Check({a});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("error checking authorization credentials or bearer token file"),
            std::string::npos)
      << r.err;
  r = Check({b});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("error checking client cert file"), std::string::npos) << r.err;
  dir.WriteFile("tok", "secret\n");
  EXPECT_EQ(Check({a}).code, 0);
}

TEST(RunCheckConfig, FileSdFilesAreRead) {
  testing::TempDir dir;
  std::string cfg = dir.WriteFile(
      "p.yml", "scrape_configs:\n  - job_name: a\n    file_sd_configs: [{files: ['sd/*.json']}]\n");
  auto r = Check({cfg});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("  WARNING: file \"" + dir.path() +
                       "/sd/*.json\" for file_sd in scrape "
                       "job \"a\" does not exist"),
            std::string::npos)
      << r.out;
  std::filesystem::create_directory(dir.path() + "/sd");
  dir.WriteFile("sd/ok.json", R"([{"targets": ["h:1"], "labels": {"env": "x"}}])");
  EXPECT_EQ(Check({cfg}).code, 0);
  dir.WriteFile("sd/bad.json", R"([{"targets": ["h:1"], "labels": {"0env": "x"}}])");
  r = Check({cfg});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("is not a valid label name"), std::string::npos) << r.err;
}

TEST(RunCheckConfig, OneBadFileOfSeveralFails) {
  testing::TempDir dir;
  std::string good = dir.WriteFile("good.yml", "global: {scrape_interval: 15s}\n");
  std::string bad = dir.WriteFile("bad.yml", "global: {scrape_interval: 15}\n");
  auto r = Check({good, bad});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("good.yml is valid"), std::string::npos);
  EXPECT_EQ(Check({good, good}).code, 0);
  EXPECT_EQ(Check({dir.path() + "/missing.yml"}).code, 1);
}

TEST(CheckRuleFileShape, CountsRulesAndRejectsDuplicates) {
  testing::TempDir dir;
  auto ok = CheckRuleFileShape(
      dir.WriteFile("r.yml",
                    "groups:\n- name: a\n  rules:\n  - {alert: A, expr: up == 0, for: 5m}\n"
                    "  - {record: b, expr: up}\n- name: b\n"));
  ASSERT_TRUE(ok.ok()) << ok.error().message();
  EXPECT_EQ(*ok, 2);
  auto dup = CheckRuleFileShape(dir.WriteFile("d.yml", "groups:\n- name: a\n- name: a\n"));
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message().find("repeated"), std::string::npos);
  auto rec = CheckRuleFileShape(
      dir.WriteFile("f.yml", "groups:\n- name: a\n  rules:\n  - {record: b, expr: up, for: 1m}\n"));
  EXPECT_FALSE(rec.ok());
}

}  // namespace
}  // namespace tsdbd::config
