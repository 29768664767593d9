#include <gtest/gtest.h>

#include "lib/http/web/targets_page.h"
#include "lib/scrape/loop/target_status.h"

namespace tsdbd::http::web {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

TEST(TargetsPage, LastScrapeAndDurationTexts) {
  const Clock::time_point now = Clock::time_point(1'800'000'000s);
  EXPECT_EQ(FormatLastScrape(Clock::time_point{}, now), "never");
  EXPECT_EQ(FormatLastScrape(now - 3200ms, now), "3.2s ago");
  EXPECT_EQ(FormatLastScrape(now - 245s, now), "4m 5s ago");
  EXPECT_EQ(FormatLastScrape(now - (2h + 3min), now), "2h 3m ago");
  EXPECT_EQ(FormatScrapeDuration(0.000850), "850µs");
  EXPECT_EQ(FormatScrapeDuration(0.0123), "12.3ms");
  EXPECT_EQ(FormatScrapeDuration(1.25), "1.250s");
}

TEST(TargetsPage, UnknownTargetsAndEmptyPools) {
  scrape::TargetStatus waiting;
  waiting.scrape_pool = "fresh";
  waiting.scrape_url = "http://10.0.0.1:8000/metrics";
  waiting.labels = Labels{{"instance", "10.0.0.1:8000"}, {"job", "fresh"}};
  const std::vector<std::string> pools = {"empty", "fresh"};
  const std::vector<scrape::TargetStatus> targets = {waiting};
  const std::string html =
      RenderTargetsPage(pools, targets, {.route_prefix = "", .now = Clock::now()});
  EXPECT_NE(html.find(R"(<span class="job">empty</span> <span class="count">(0/0 up)</span>)"),
            std::string::npos);
  EXPECT_NE(html.find(R"(<span class="job">fresh</span> <span class="count down">(0/1 up)</span>)"),
            std::string::npos);
  EXPECT_NE(html.find("UNKNOWN"), std::string::npos);
  EXPECT_NE(html.find("never"), std::string::npos);
  // Unhealthy view: a target not yet scraped is not up, so it stays; the empty pool goes.
  const std::string unhealthy = RenderTargetsPage(
      pools, targets, {.route_prefix = "", .unhealthy_only = true, .now = Clock::now()});
  EXPECT_NE(unhealthy.find(R"(<span class="job">fresh</span>)"), std::string::npos);
  EXPECT_EQ(unhealthy.find(R"(<span class="job">empty</span>)"), std::string::npos);
}

}  // namespace
}  // namespace tsdbd::http::web
