#include "lib/http/api/target_routes.h"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <map>

#include "lib/http/api/envelope.h"
#include "lib/http/api/json_writer.h"
#include "lib/model/duration.h"
#include "lib/model/time_format.h"
#include "lib/model/value_format.h"
#include "lib/promql/parser.h"

namespace tsdbd::http::api {
namespace {

bool IsLocalhost(std::string_view host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" || host == "[::1]";
}

// Prometheus's globalUrl: a target on localhost is reachable from outside through the
// external URL's host (and, when it is tsdbd itself, its scheme and port too).
std::string GlobalUrl(const std::string& scrape_url, const TargetRoutesOptions& o) {
  auto url = boost::urls::parse_uri(scrape_url);
  auto external = boost::urls::parse_uri(o.external_url);
  if (!url || !external || !IsLocalhost(url->host())) return scrape_url;
  boost::urls::url u(*url);
  if (u.port() == o.listen_port) {
    u.set_scheme(external->scheme());
    u.set_host(external->host());
    if (external->has_port()) {
      u.set_port(external->port());
    } else {
      u.remove_port();
    }
  } else {
    u.set_host(external->host());
  }
  return std::string(u.buffer());
}

std::string ZeroOrRfc3339Nano(std::chrono::system_clock::time_point t) {
  if (t.time_since_epoch().count() == 0) return "0001-01-01T00:00:00Z";
  return FormatRfc3339Nano(t);
}

void AppendActive(std::string& out, const scrape::TargetStatus& t, const TargetRoutesOptions& o) {
  out += R"({"discoveredLabels":)";
  AppendJsonLabels(out, t.discovered);
  out += R"(,"labels":)";
  AppendJsonLabels(out, t.labels);
  out += R"(,"scrapePool":)";
  AppendJsonString(out, t.scrape_pool);
  out += R"(,"scrapeUrl":)";
  AppendJsonString(out, t.scrape_url);
  out += R"(,"globalUrl":)";
  AppendJsonString(out, GlobalUrl(t.scrape_url, o));
  out += R"(,"lastError":)";
  AppendJsonString(out, t.last_error);
  out += R"(,"lastScrape":)";
  AppendJsonString(out, ZeroOrRfc3339Nano(t.last_scrape));
  out += R"(,"lastScrapeDuration":)";
  AppendFloatJSON(out, t.last_scrape_duration_seconds);
  out += R"(,"health":)";
  AppendJsonString(out, scrape::TargetHealthName(t.health));
  out += R"(,"scrapeInterval":)";
  AppendJsonString(out, FormatDuration(t.interval));
  out += R"(,"scrapeTimeout":)";
  AppendJsonString(out, FormatDuration(t.timeout));
  out.push_back('}');
}

Response Targets(const Request& request, const scrape::ScrapeManager& scrape,
                 const TargetRoutesOptions& o) {
  std::string state;
  if (const std::string* s = request.Param("state")) {
    for (char c : *s) state.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  const bool active = state.empty() || state == "any" || state == "active";
  const bool dropped = state.empty() || state == "any" || state == "dropped";
  std::string out = R"({"activeTargets":[)";
  if (active) {
    bool first = true;
    for (const scrape::TargetStatus& t : scrape.ActiveTargets()) {
      if (!first) out.push_back(',');
      first = false;
      AppendActive(out, t, o);
    }
  }
  out += R"(],"droppedTargets":[)";
  if (dropped) {
    bool first = true;
    for (const scrape::DroppedTarget& t : scrape.DroppedTargets()) {
      if (!first) out.push_back(',');
      first = false;
      out += R"({"discoveredLabels":)";
      AppendJsonLabels(out, t.discovered);
      out.push_back('}');
    }
  }
  out += "]}";
  return SuccessRaw(out);
}

Response ScrapePools(const scrape::ScrapeManager& scrape) {
  std::string out = R"({"scrapePools":[)";
  bool first = true;
  for (const std::string& pool : scrape.ScrapePools()) {
    if (!first) out.push_back(',');
    first = false;
    AppendJsonString(out, pool);
  }
  out += "]}";
  return SuccessRaw(out);
}

bool MatchesAll(const Labels& labels, const std::vector<Matcher>& matchers) {
  for (const Matcher& m : matchers) {
    if (!m.Matches(labels.Get(m.name()))) return false;
  }
  return true;
}

Response TargetsMetadata(const Request& request, const scrape::ScrapeManager& scrape) {
  int64_t limit = -1;
  if (const std::string* s = request.Param("limit"); s && !s->empty()) {
    char* end = nullptr;
    limit = std::strtoll(s->c_str(), &end, 10);
    if (*end != '\0') return Failure(ErrorType::kBadData, "limit must be a number");
  }
  std::vector<Matcher> matchers;
  const std::string* match_target = request.Param("match_target");
  if (match_target && !match_target->empty()) {
    auto m = promql::ParseMetricSelector(*match_target);
    if (!m.ok()) {
      return Failure(ErrorType::kBadData,
                     "invalid parameter \"match_target\": " + m.error().message());
    }
    matchers = std::move(*m);
  }
  const std::string* metric_param = request.Param("metric");
  const std::string metric = metric_param ? *metric_param : "";
  std::string out = "[";
  int64_t n = 0;
  for (const scrape::TargetMetadata& t : scrape.TargetsMetadata()) {
    if (limit >= 0 && n >= limit) break;
    if (!MatchesAll(t.target, matchers)) continue;
    for (const scrape::MetricMetadata& md : t.metadata) {
      if (!metric.empty() && md.metric != metric) continue;
      if (n > 0) out.push_back(',');
      ++n;
      out += R"({"target":)";
      AppendJsonLabels(out, t.target);
      if (metric.empty()) {
        out += R"(,"metric":)";
        AppendJsonString(out, md.metric);
      }
      out += R"(,"type":)";
      AppendJsonString(out, md.type);
      out += R"(,"help":)";
      AppendJsonString(out, md.help);
      out += R"(,"unit":)";
      AppendJsonString(out, md.unit);
      out.push_back('}');
    }
  }
  out.push_back(']');
  return SuccessRaw(out);
}

// /api/v1/metadata: metric name -> the distinct metadata its targets expose.
Response Metadata(const Request& request, const scrape::ScrapeManager& scrape) {
  int64_t limit = -1;
  if (const std::string* s = request.Param("limit"); s && !s->empty()) {
    char* end = nullptr;
    limit = std::strtoll(s->c_str(), &end, 10);
    if (*end != '\0') return Failure(ErrorType::kBadData, "limit must be a number");
  }
  const std::string* metric = request.Param("metric");
  std::map<std::string, std::vector<const scrape::MetricMetadata*>> by_metric;
  const auto all = scrape.TargetsMetadata();
  for (const scrape::TargetMetadata& t : all) {
    for (const scrape::MetricMetadata& md : t.metadata) {
      if (metric && !metric->empty() && md.metric != *metric) continue;
      auto& list = by_metric[md.metric];
      const bool seen = std::any_of(list.begin(), list.end(), [&](const auto* o) {
        return o->type == md.type && o->help == md.help && o->unit == md.unit;
      });
      if (!seen) list.push_back(&md);
    }
  }
  std::string out = "{";
  int64_t n = 0;
  for (const auto& [name, list] : by_metric) {
    if (limit >= 0 && n >= limit) break;
    if (n++ > 0) out.push_back(',');
    AppendJsonString(out, name);
    out += ":[";
    for (size_t i = 0; i < list.size(); ++i) {
      if (i > 0) out.push_back(',');
      out += R"({"type":)";
      AppendJsonString(out, list[i]->type);
      out += R"(,"help":)";
      AppendJsonString(out, list[i]->help);
      out += R"(,"unit":)";
      AppendJsonString(out, list[i]->unit);
      out.push_back('}');
    }
    out.push_back(']');
  }
  out.push_back('}');
  return SuccessRaw(out);
}

}  // namespace

void AddTargetRoutes(ApiRoutes& routes, const scrape::ScrapeManager& scrape,
                     TargetRoutesOptions options) {
  auto o = std::make_shared<const TargetRoutesOptions>(std::move(options));
  routes.Add("GET", "/api/v1/targets", [&scrape, o](const Request& request, Reply reply) {
    reply(Targets(request, scrape, *o));
  });
  routes.Add("GET", "/api/v1/scrape_pools",
             [&scrape](const Request&, Reply reply) { reply(ScrapePools(scrape)); });
  routes.Add("GET", "/api/v1/targets/metadata", [&scrape](const Request& request, Reply reply) {
    reply(TargetsMetadata(request, scrape));
  });
  routes.Add("GET", "/api/v1/metadata", [&scrape](const Request& request, Reply reply) {
    reply(Metadata(request, scrape));
  });
}

}  // namespace tsdbd::http::api
