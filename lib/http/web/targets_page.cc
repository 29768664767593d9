#include "lib/http/web/targets_page.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <vector>

#include "lib/http/web/html_escape.h"
#include "lib/http/web/page_style.h"
#include "lib/scrape/manager/manager.h"

namespace tsdbd::http::web {
namespace {

using scrape::TargetHealth;
using scrape::TargetStatus;

std::string Format(const char* fmt, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, value);
  return buf;
}

bool Healthy(const TargetStatus& t) {
  return t.health == TargetHealth::kUp;
}

// An href: the prefix put back before a path of ours.
std::string Href(const TargetsPageView& view, std::string_view path) {
  return HtmlEscape(view.route_prefix + std::string(path));
}

void AppendStateBadge(std::string& out, TargetHealth health) {
  switch (health) {
    case TargetHealth::kUp:
      out += R"(<span class="badge state-up">UP</span>)";
      break;
    case TargetHealth::kDown:
      out += R"(<span class="badge state-down">DOWN</span>)";
      break;
    case TargetHealth::kUnknown:
      out += R"(<span class="badge state-unknown">UNKNOWN</span>)";
      break;
  }
}

void AppendEndpoint(std::string& out, const TargetStatus& t) {
  // Only http(s) URLs become links: a scrape URL is never meant to run script.
  const bool linkable = t.scrape_url.starts_with("http://") || t.scrape_url.starts_with("https://");
  if (linkable) {
    out += R"(<a href=")";
    AppendHtmlEscaped(out, t.scrape_url);
    out += R"(">)";
    AppendHtmlEscaped(out, t.scrape_url);
    out += "</a>";
  } else {
    AppendHtmlEscaped(out, t.scrape_url);
  }
}

void AppendLabels(std::string& out, const Labels& labels) {
  for (size_t i = 0; i < labels.size(); ++i) {
    const Label l = labels[i];
    out += R"(<span class="badge label">)";
    AppendHtmlEscaped(out, l.name);
    out += "=&quot;";
    AppendHtmlEscaped(out, l.value);
    out += "&quot;</span> ";
  }
}

void AppendTargetRow(std::string& out, const TargetStatus& t, const TargetsPageView& view) {
  const bool scraped = t.last_scrape.time_since_epoch().count() != 0;
  out += R"(<tr class="target"><td class="endpoint">)";
  AppendEndpoint(out, t);
  out += R"(</td><td class="state">)";
  AppendStateBadge(out, t.health);
  out += R"(</td><td class="labels">)";
  AppendLabels(out, t.labels);
  out += R"(</td><td class="time last-scrape">)";
  AppendHtmlEscaped(out, FormatLastScrape(t.last_scrape, view.now));
  out += R"(</td><td class="time duration">)";
  if (scraped) AppendHtmlEscaped(out, FormatScrapeDuration(t.last_scrape_duration_seconds));
  out += R"(</td><td class="error">)";
  AppendHtmlEscaped(out, t.last_error);
  out += "</td></tr>\n";
}

void AppendPool(std::string& out, const std::string& pool,
                const std::vector<const TargetStatus*>& targets, const TargetsPageView& view) {
  const size_t up = std::count_if(targets.begin(), targets.end(),
                                  [](const TargetStatus* t) { return Healthy(*t); });
  if (view.unhealthy_only && up == targets.size()) return;
  out += R"(<details class="pool" open id="pool-)";
  AppendHtmlEscaped(out, pool);
  out += R"("><summary><span class="job">)";
  AppendHtmlEscaped(out, pool);
  out += "</span> <span class=\"count";
  if (up < targets.size()) out += " down";
  out += "\">(" + std::to_string(up) + "/" + std::to_string(targets.size()) + " up)</span>";
  out += "</summary>\n";
  out +=
      "<table><colgroup><col class=\"endpoint\"><col class=\"state\"><col class=\"labels\">"
      "<col class=\"last-scrape\"><col class=\"duration\"><col "
      "class=\"error\"></colgroup><thead><tr><th>Endpoint</th><th>State</th><th>Labels</th>"
      "<th>Last Scrape</th><th>Scrape Duration</th><th>Error</th></tr></thead><tbody>\n";
  size_t shown = 0;
  for (const TargetStatus* t : targets) {
    if (view.unhealthy_only && Healthy(*t)) continue;
    AppendTargetRow(out, *t, view);
    ++shown;
  }
  if (shown == 0) out += R"(<tr><td colspan="6" class="empty">No targets.</td></tr>)";
  out += "</tbody></table></details>\n";
}

void AppendHeader(std::string& out, const TargetsPageView& view) {
  out += "<header><a class=\"brand\" href=\"" + Href(view, "/targets") + "\">tsdbd</a><nav>";
  out += "<a class=\"active\" href=\"" + Href(view, "/targets") + "\">Targets</a>";
  out += "<a href=\"" + Href(view, "/api/v1/targets") + "\">Targets JSON</a>";
  out += "<a href=\"" + Href(view, "/metrics") + "\">Metrics</a>";
  out += "</nav></header>\n";
}

void AppendFilter(std::string& out, const TargetsPageView& view) {
  out += R"(<div class="filter">)";
  out += "<a href=\"" + Href(view, "/targets") + "\"" +
         (view.unhealthy_only ? "" : R"( class="selected")") + ">All</a>";
  out += "<a href=\"" + Href(view, "/targets?health=unhealthy") + "\"" +
         (view.unhealthy_only ? R"( class="selected")" : "") + ">Unhealthy</a>";
  out += "</div>\n";
}

std::string NormalizePrefix(std::string prefix) {
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  if (!prefix.empty() && prefix.front() != '/') prefix = "/" + prefix;
  return prefix;
}

Response Page(const Request& request, const scrape::ScrapeManager& scrape,
              const std::string& prefix) {
  TargetsPageView view;
  view.route_prefix = prefix;
  const std::string* health = request.Param("health");
  view.unhealthy_only = health != nullptr && *health == "unhealthy";
  view.now = std::chrono::system_clock::now();
  const std::vector<std::string> pools = scrape.ScrapePools();
  const std::vector<TargetStatus> targets = scrape.ActiveTargets();
  Response r;
  r.content_type = "text/html; charset=utf-8";
  r.body = RenderTargetsPage(pools, targets, view);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace

std::string FormatLastScrape(std::chrono::system_clock::time_point last_scrape,
                             std::chrono::system_clock::time_point now) {
  if (last_scrape.time_since_epoch().count() == 0) return "never";
  double s = std::chrono::duration<double>(now - last_scrape).count();
  if (s < 0) s = 0;  // a clock step back: not "in the future"
  if (s < 60) return Format("%.1fs ago", s);
  const auto whole = static_cast<long long>(s);
  if (whole < 3600) {
    return std::to_string(whole / 60) + "m " + std::to_string(whole % 60) + "s ago";
  }
  if (whole < 86400) {
    return std::to_string(whole / 3600) + "h " + std::to_string(whole / 60 % 60) + "m ago";
  }
  return std::to_string(whole / 86400) + "d " + std::to_string(whole / 3600 % 24) + "h ago";
}

std::string FormatScrapeDuration(double seconds) {
  if (seconds < 0) seconds = 0;
  if (seconds < 0.001) return Format("%.0fµs", seconds * 1e6);
  if (seconds < 1) return Format("%.1fms", seconds * 1e3);
  return Format("%.3fs", seconds);
}

std::string RenderTargetsPage(std::span<const std::string> pools,
                              std::span<const TargetStatus> targets, const TargetsPageView& view) {
  std::map<std::string, std::vector<const TargetStatus*>> by_pool;
  for (const std::string& pool : pools) by_pool[pool];
  for (const TargetStatus& t : targets) by_pool[t.scrape_pool].push_back(&t);
  for (auto& [pool, list] : by_pool) {
    std::stable_sort(list.begin(), list.end(), [](const TargetStatus* a, const TargetStatus* b) {
      return a->scrape_url < b->scrape_url;
    });
  }

  std::string out;
  out.reserve(4096 + targets.size() * 512);
  out +=
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>tsdbd — Targets</title><style>";
  out += kPageCss;
  out += "</style></head>\n<body>\n";
  AppendHeader(out, view);
  out += "<main>\n<h1>Targets</h1>\n";
  AppendFilter(out, view);
  size_t sections = 0;
  for (const auto& [pool, list] : by_pool) {
    const size_t before = out.size();
    AppendPool(out, pool, list, view);
    if (out.size() != before) ++sections;
  }
  if (sections == 0) {
    out += view.unhealthy_only ? R"(<p class="empty">All targets are up.</p>)"
                               : R"(<p class="empty">No scrape pools configured.</p>)";
    out += "\n";
  }
  out += "</main>\n</body></html>\n";
  return out;
}

void AddTargetsPage(Router& router, const scrape::ScrapeManager& scrape, std::string route_prefix) {
  auto prefix = std::make_shared<const std::string>(NormalizePrefix(std::move(route_prefix)));
  for (const char* method : {"GET", "HEAD"}) {
    router.Add(method, "/targets", "/targets",
               [&scrape, prefix](const Request& request, Reply reply) {
                 reply(Page(request, scrape, *prefix));
               });
  }
}

}  // namespace tsdbd::http::web
