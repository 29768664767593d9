// ConfigToYaml: Prometheus's key order, defaults and quoting; round trips; and, when
// Prometheus is installed, byte-for-byte equality with its /api/v1/status/config.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "lib/config/config.h"
#include "lib/config/yaml_writer.h"
#include "tests/testing/http_client.h"
#include "tests/testing/process.h"

namespace tsdbd::config {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> GoodConfigs() {
  std::vector<std::string> files;
  for (const auto& e :
       fs::directory_iterator(std::string(TSDBD_SOURCE_DIR) + "/tests/e2e/testdata/configs")) {
    if (e.path().filename().string().rfind("good_", 0) == 0) files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(ConfigToYaml, RealisticConfigAsPrometheusPrintsIt) {
  auto c = ParseConfig(R"(global:
  scrape_interval: 15s
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['localhost:9090']
  - job_name: backend
    dns_sd_configs:
      - names: [backend.production.wumbo.local]
        type: A
        port: 8000
)",
                       "p.yml");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(ConfigToYaml(*c), R"(global:
  scrape_interval: 15s
  scrape_timeout: 10s
  evaluation_interval: 1m
scrape_configs:
- job_name: prometheus
  honor_timestamps: true
  scrape_interval: 15s
  scrape_timeout: 10s
  metrics_path: /metrics
  scheme: http
  follow_redirects: true
  enable_http2: true
  static_configs:
  - targets:
    - localhost:9090
- job_name: backend
  honor_timestamps: true
  scrape_interval: 15s
  scrape_timeout: 10s
  metrics_path: /metrics
  scheme: http
  follow_redirects: true
  enable_http2: true
  dns_sd_configs:
  - names:
    - backend.production.wumbo.local
    refresh_interval: 30s
    type: A
    port: 8000
)");
}

TEST(ConfigToYaml, SecretsAndRelabelsAsPrometheusPrintsThem) {
  auto c = ParseConfig(R"(scrape_configs:
  - job_name: j
    basic_auth: {username: u, password: p}
    tls_config: {min_version: TLS12}
    relabel_configs:
      - {source_labels: [a, b], target_label: c}
      - {action: labeldrop, regex: x}
    static_configs: [{targets: ['a:1'], labels: {x: y}}]
)",
                       "p.yml");
  ASSERT_TRUE(c.ok()) << c.error().message();
  std::string yaml = ConfigToYaml(*c);
  EXPECT_NE(yaml.find("  basic_auth:\n    username: u\n    password: <secret>\n"),
            std::string::npos)
      << yaml;
  EXPECT_NE(yaml.find("  tls_config:\n    insecure_skip_verify: false\n    min_version: 771\n"),
            std::string::npos)
      << yaml;
  EXPECT_NE(yaml.find("  - source_labels: [a, b]\n    separator: ;\n    regex: (.*)\n    "
                      "target_label: c\n    replacement: $1\n    action: replace\n"),
            std::string::npos)
      << yaml;
  EXPECT_NE(yaml.find("    labels:\n      x: \"y\"\n"), std::string::npos) << yaml;
  EXPECT_EQ(yaml.find("password: p\n"), std::string::npos) << "the password leaked:\n" << yaml;
}

TEST(ConfigToYaml, QuotesLikeGoYaml) {
  using internal::FormatYamlString;
  EXPECT_EQ(FormatYamlString("plain text", false), "plain text");
  EXPECT_EQ(FormatYamlString("", false), "\"\"");
  EXPECT_EQ(FormatYamlString("y", false), "\"y\"");
  EXPECT_EQ(FormatYamlString("off", false), "\"off\"");
  EXPECT_EQ(FormatYamlString("123", false), "\"123\"");
  EXPECT_EQ(FormatYamlString("1.5", false), "\"1.5\"");
  EXPECT_EQ(FormatYamlString("1:20", false), "\"1:20\"");
  EXPECT_EQ(FormatYamlString("localhost:9090", false), "localhost:9090");
  EXPECT_EQ(FormatYamlString("a: b", false), "'a: b'");
  EXPECT_EQ(FormatYamlString("#x", false), "'#x'");
  EXPECT_EQ(FormatYamlString("it's: x", false), "'it''s: x'");
  EXPECT_EQ(FormatYamlString(" lead", false), "' lead'");
  EXPECT_EQ(FormatYamlString("a,b", false), "a,b");
  EXPECT_EQ(FormatYamlString("a,b", true), "'a,b'");
  EXPECT_EQ(FormatYamlString("two\nlines", false), "\"two\\nlines\"");
}

TEST(ConfigToYaml, OutputReparsesToEqualConfig) {
  for (const auto& file : GoodConfigs()) {
    auto c = LoadConfigFile(file);
    ASSERT_TRUE(c.ok()) << file << ": " << c.error().message();
    std::string yaml = ConfigToYaml(*c);
    // Prometheus prints TLS versions as numbers that it does not accept back; read them
    // back by name.
    std::string readable = yaml;
    for (const auto& [num, name] : std::vector<std::pair<std::string, std::string>>{
             {"769", "TLS10"}, {"770", "TLS11"}, {"771", "TLS12"}, {"772", "TLS13"}}) {
      for (size_t at; (at = readable.find("_version: " + num + "\n")) != std::string::npos;)
        readable.replace(at + 10, num.size(), name);
    }
    auto again = ParseConfig(readable, "printed.yml");
    // Secrets print as <secret>; compare after masking them the same way.
    ASSERT_TRUE(again.ok()) << file << ": " << again.error().message() << "\n" << yaml;
    EXPECT_EQ(ConfigToYaml(*again), yaml) << file;
    bool has_secret = yaml.find("<secret>") != std::string::npos;
    if (!has_secret) {
      EXPECT_EQ(*again, *c) << file << "\n" << yaml;
    }
  }
}

// The "yaml" string of Prometheus's JSON answer, unescaped.
std::string YamlFromStatusJson(const std::string& body) {
  const std::string key = "\"yaml\":\"";
  size_t i = body.find(key);
  if (i == std::string::npos) return "";
  std::string out;
  for (i += key.size(); i < body.size() && body[i] != '"'; ++i) {
    if (body[i] != '\\') {
      out += body[i];
      continue;
    }
    char e = body[++i];
    switch (e) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        unsigned code = std::stoul(body.substr(i + 1, 4), nullptr, 16);
        i += 4;
        if (code < 0x80) {
          out += static_cast<char>(code);
        } else if (code < 0x800) {
          out += static_cast<char>(0xC0 | (code >> 6));
          out += static_cast<char>(0x80 | (code & 0x3F));
        } else {
          out += static_cast<char>(0xE0 | (code >> 12));
          out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (code & 0x3F));
        }
        break;
      }
      default:
        out += e;
    }
  }
  return out;
}

TEST(ConfigToYaml, ByteIdenticalToPrometheus) {
  if (!testing::HaveProgram("prometheus")) GTEST_SKIP() << "prometheus is not installed";
  for (const auto& file : GoodConfigs()) {
    auto c = LoadConfigFile(file);
    ASSERT_TRUE(c.ok()) << file << ": " << c.error().message();
    testing::TempDir data;
    const uint16_t port = testing::FreePort();
    testing::ChildProcess prometheus(
        {"prometheus", "--config.file=" + file, "--storage.tsdb.path=" + data.path(),
         "--web.listen-address=127.0.0.1:" + std::to_string(port)},
        data.path() + "/prometheus.log");
    std::string served;
    bool up = testing::WaitUntil([&] {
      auto r = testing::Get(port, "/api/v1/status/config");
      if (r.status != 200) return false;
      served = YamlFromStatusJson(r.body);
      return true;
    });
    ASSERT_TRUE(up) << file << ": prometheus did not serve its config\n"
                    << testing::ReadFile(data.path() + "/prometheus.log");
    EXPECT_EQ(ConfigToYaml(*c), served) << file;
  }
}

}  // namespace
}  // namespace tsdbd::config
