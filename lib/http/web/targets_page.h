// The Status → Targets page (GET /targets): every scrape pool with its targets' health,
// labels, last scrape and last error, rendered on the server (works without JavaScript).
#pragma once

#include <chrono>
#include <span>
#include <string>

#include "lib/http/router.h"
#include "lib/scrape/loop/target_status.h"

namespace tsdbd::scrape {
class ScrapeManager;
}

namespace tsdbd::http::web {

// What one rendering of the page shows.
struct TargetsPageView {
  std::string route_prefix;     // --web.route-prefix ("" or "/prom"): put before every link
  bool unhealthy_only = false;  // ?health=unhealthy: targets not up; pools all up are hidden
  std::chrono::system_clock::time_point now;  // "3.2s ago" is measured from here
};

// The whole HTML document. `pools` are the job names in display order (every pool gets a
// section, even without targets); `targets` may come in any order. Every value from the
// targets is HTML-escaped.
std::string RenderTargetsPage(std::span<const std::string> pools,
                              std::span<const scrape::TargetStatus> targets,
                              const TargetsPageView& view);

// "3.2s ago", "4m 5s ago", "2h 3m ago"; "never" for the epoch (no scrape yet).
std::string FormatLastScrape(std::chrono::system_clock::time_point last_scrape,
                             std::chrono::system_clock::time_point now);

// "850µs", "12.3ms", "1.250s".
std::string FormatScrapeDuration(double seconds);

// Registers GET and HEAD /targets on `router`. `scrape` must outlive the router; each
// request takes a fresh snapshot. `route_prefix` is --web.route-prefix as given ("" or "/"
// for none; a trailing '/' is ignored).
void AddTargetsPage(Router& router, const scrape::ScrapeManager& scrape, std::string route_prefix);

}  // namespace tsdbd::http::web
