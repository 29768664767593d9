// The Status → Targets page (/targets) of the real tsdbd binary: a healthy job scraping
// tsdbd itself and a job whose target refuses connections, read as HTML, filtered to the
// unhealthy targets, served under a route prefix, and rendered by headless Chromium.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/testing/process.h"
#include "tests/testing/tsdbd_process.h"

namespace tsdbd {
namespace {

using testing::HttpRequest;
using testing::TempDir;
using testing::TsdbdProcess;
using namespace std::chrono_literals;

// The "broken" job's target carries a label value that would run script if not escaped.
std::string Config(uint16_t self_port, const std::string& prefix) {
  std::string cfg = R"(global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: broken
    static_configs:
      - targets: ["127.0.0.1:1"]
        labels:
          note: "<script>alert(1)</script>"
)";
  if (self_port != 0) {
    cfg += "  - job_name: self\n    metrics_path: " + prefix + "/metrics\n" +
           "    static_configs:\n      - targets: [\"127.0.0.1:" + std::to_string(self_port) +
           "\"]\n";
  }
  return cfg;
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Every href="..." value in `html`, in order.
std::vector<std::string> Hrefs(const std::string& html) {
  std::vector<std::string> out;
  const std::string key = "href=\"";
  for (size_t pos = html.find(key); pos != std::string::npos; pos = html.find(key, pos)) {
    pos += key.size();
    const size_t end = html.find('"', pos);
    if (end == std::string::npos) break;
    out.push_back(html.substr(pos, end - pos));
  }
  return out;
}

// Runs headless Chromium on `url` with `args` (a fresh profile, no network but loopback
// fetches of the page), bounded in time; the ChildProcess under Run stops it by PID.
testing::RunResult Chromium(const std::vector<std::string>& args) {
  TempDir profile;
  std::vector<std::string> argv = {"chromium",
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--no-first-run",
                                   "--disable-background-networking",
                                   "--disable-component-update",
                                   "--disable-sync",
                                   "--user-data-dir=" + profile.path()};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::Run(argv, 60s);
}

class TargetsPageTest : public ::testing::Test {
 protected:
  // Starts tsdbd with only the broken job (its port is chosen at start), then reloads with
  // the self job added and waits until both jobs have been scraped.
  std::unique_ptr<TsdbdProcess> Start(const std::string& prefix = "") {
    std::vector<std::string> args;
    if (!prefix.empty()) args.push_back("--web.route-prefix=" + prefix);
    const std::string config = dir_.WriteFile("prometheus.yml", Config(0, prefix));
    auto p = std::make_unique<TsdbdProcess>(TSDBD_BINARY, config, args);
    EXPECT_TRUE(p->WaitReady()) << p->log();
    dir_.WriteFile("prometheus.yml", Config(p->port(), prefix));
    p->process().Signal(SIGHUP);
    const bool scraped = testing::WaitUntil([&] {
      const std::string body = p->Get(prefix + "/targets").body;
      return Contains(body, "(1/1 up)") && Contains(body, "(0/1 up)") &&
             Contains(body, "connection refused");
    });
    EXPECT_TRUE(scraped) << p->Get(prefix + "/targets").body << p->log();
    return p;
  }
  TempDir dir_;
};

TEST_F(TargetsPageTest, ShowsPoolsTargetsAndErrors) {
  auto p = Start();
  const auto r = p->Get("/targets");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Type").value_or(""), "text/html; charset=utf-8");
  const std::string& html = r.body;
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>"));
  EXPECT_TRUE(Contains(html, "<title>tsdbd — Targets</title>"));
  EXPECT_FALSE(Contains(html, "<link")) << "no external stylesheet";
  EXPECT_FALSE(Contains(html, "<script")) << "no script needed (nor injected)";

  // One section per pool, in name order, with its counts.
  const size_t broken = html.find(R"(id="pool-broken")");
  const size_t self = html.find(R"(id="pool-self")");
  ASSERT_NE(broken, std::string::npos);
  ASSERT_NE(self, std::string::npos);
  EXPECT_LT(broken, self);
  EXPECT_TRUE(Contains(html.substr(broken, self - broken), "(0/1 up)"));
  EXPECT_TRUE(Contains(html.substr(self), "(1/1 up)"));
  for (const char* column :
       {"Endpoint", "State", "Labels", "Last Scrape", "Scrape Duration", "Error"}) {
    EXPECT_TRUE(Contains(html, std::string("<th>") + column + "</th>")) << column;
  }

  // The broken target: DOWN, its endpoint a link, the dial error in red.
  const std::string broken_part = html.substr(broken, self - broken);
  EXPECT_TRUE(Contains(broken_part, R"(<span class="badge state-down">DOWN</span>)"));
  EXPECT_TRUE(Contains(broken_part,
                       R"(<a href="http://127.0.0.1:1/metrics">http://127.0.0.1:1/metrics</a>)"));
  EXPECT_TRUE(Contains(broken_part, "connection refused"));
  EXPECT_TRUE(Contains(broken_part, R"(<td class="error">)"));
  // Labels as name="value" badges, values escaped.
  EXPECT_TRUE(Contains(broken_part, "job=&quot;broken&quot;"));
  EXPECT_TRUE(Contains(broken_part, "instance=&quot;127.0.0.1:1&quot;"));
  EXPECT_TRUE(Contains(broken_part, "note=&quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;"));

  // The self target: UP, scraped "…s ago" with a duration, no error.
  const std::string self_part = html.substr(self);
  EXPECT_TRUE(Contains(self_part, R"(<span class="badge state-up">UP</span>)"));
  EXPECT_TRUE(Contains(self_part, "s ago</td>"));
  EXPECT_FALSE(Contains(self_part, "never"));
  EXPECT_TRUE(Contains(self_part, R"(<td class="error"></td>)"));

  // The filter links, "All" selected.
  EXPECT_TRUE(Contains(html, R"(<a href="/targets" class="selected">All</a>)"));
  EXPECT_TRUE(Contains(html, R"(<a href="/targets?health=unhealthy">Unhealthy</a>)"));
}

TEST_F(TargetsPageTest, UnhealthyFilterShowsOnlyTargetsNotUp) {
  auto p = Start();
  const auto r = p->Get("/targets?health=unhealthy");
  ASSERT_EQ(r.status, 200);
  EXPECT_TRUE(Contains(r.body, R"(id="pool-broken")"));
  EXPECT_TRUE(Contains(r.body, "(0/1 up)"));
  EXPECT_TRUE(Contains(r.body, "connection refused"));
  EXPECT_FALSE(Contains(r.body, R"(id="pool-self")")) << r.body;
  EXPECT_FALSE(Contains(r.body, "(1/1 up)"));
  EXPECT_FALSE(Contains(r.body, "state-up\""));
  EXPECT_TRUE(Contains(r.body, R"(<a href="/targets?health=unhealthy" class="selected">)"));

  // Any other value of the parameter shows everything.
  const auto all = p->Get("/targets?health=bogus");
  EXPECT_TRUE(Contains(all.body, R"(id="pool-self")"));
  EXPECT_TRUE(Contains(all.body, R"(id="pool-broken")"));
}

TEST_F(TargetsPageTest, HeadAnswersWithoutBodyAndOtherMethodsAreRefused) {
  auto p = Start();
  HttpRequest head;
  head.method = "HEAD";
  head.target = "/targets";
  const auto h = testing::Fetch(p->port(), head);
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.Header("Content-Type").value_or(""), "text/html; charset=utf-8");
  EXPECT_TRUE(h.body.empty());

  HttpRequest post;
  post.method = "POST";
  post.target = "/targets";
  const auto r = testing::Fetch(p->port(), post);
  EXPECT_EQ(r.status, 405);
  EXPECT_TRUE(Contains(r.Header("Allow").value_or(""), "GET"));
}

TEST_F(TargetsPageTest, RoutePrefixIsPutBackIntoEveryLink) {
  auto p = Start("/prom");
  EXPECT_EQ(p->Get("/targets").status, 404);
  const auto r = p->Get("/prom/targets");
  ASSERT_EQ(r.status, 200);
  const std::vector<std::string> hrefs = Hrefs(r.body);
  ASSERT_GE(hrefs.size(), 5u);
  size_t ours = 0;
  for (const std::string& href : hrefs) {
    if (href.starts_with("http://")) continue;  // a target's scrape URL
    EXPECT_TRUE(href.starts_with("/prom/")) << href;
    ++ours;
  }
  EXPECT_GE(ours, 4u);
  EXPECT_TRUE(Contains(r.body, R"(href="/prom/targets?health=unhealthy")"));
  // The self job scrapes through the prefix too.
  EXPECT_TRUE(Contains(r.body, "/prom/metrics</a>"));

  const auto unhealthy = p->Get("/prom/targets?health=unhealthy");
  EXPECT_TRUE(Contains(unhealthy.body, R"(id="pool-broken")"));
  EXPECT_FALSE(Contains(unhealthy.body, R"(id="pool-self")"));
}

TEST_F(TargetsPageTest, HeadlessChromiumRendersThePage) {
  if (!testing::HaveProgram("chromium")) GTEST_SKIP() << "chromium is not installed";
  auto p = Start("/prom");
  const std::string url = "http://127.0.0.1:" + std::to_string(p->port()) + "/prom/targets";

  const auto dom = Chromium({"--dump-dom", url});
  ASSERT_EQ(dom.exit_code, 0) << dom.output;
  EXPECT_TRUE(Contains(dom.output, "<title>tsdbd — Targets</title>")) << dom.output;
  EXPECT_TRUE(Contains(dom.output, R"(id="pool-broken")"));
  EXPECT_TRUE(Contains(dom.output, R"(id="pool-self")"));
  EXPECT_TRUE(Contains(dom.output, "(1/1 up)"));
  EXPECT_TRUE(Contains(dom.output, "(0/1 up)"));
  EXPECT_TRUE(Contains(dom.output, ">UP</span>"));
  EXPECT_TRUE(Contains(dom.output, ">DOWN</span>"));
  EXPECT_TRUE(Contains(dom.output, "connection refused"));
  // The escaped label stayed text: the parsed DOM holds no script element.
  EXPECT_FALSE(Contains(dom.output, "<script>alert(1)")) << dom.output;

  const auto unhealthy = Chromium({"--dump-dom", url + "?health=unhealthy"});
  ASSERT_EQ(unhealthy.exit_code, 0) << unhealthy.output;
  EXPECT_TRUE(Contains(unhealthy.output, R"(id="pool-broken")"));
  EXPECT_FALSE(Contains(unhealthy.output, R"(id="pool-self")"));

  TempDir shots;
  const std::string png = shots.path() + "/targets.png";
  const auto shot = Chromium({"--screenshot=" + png, "--window-size=1280,800", url});
  ASSERT_EQ(shot.exit_code, 0) << shot.output;
  ASSERT_TRUE(std::filesystem::exists(png)) << shot.output;
  EXPECT_GT(std::filesystem::file_size(png), 10000u);
  EXPECT_EQ(testing::ReadFile(png).substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  // Keep a copy to look at when asked to (TSDBD_SCREENSHOT_DIR=<dir>).
  if (const char* keep = std::getenv("TSDBD_SCREENSHOT_DIR"); keep != nullptr && *keep) {
    std::error_code ec;
    std::filesystem::copy_file(png, std::string(keep) + "/targets.png",
                               std::filesystem::copy_options::overwrite_existing, ec);
  }
}

}  // namespace
}  // namespace tsdbd
