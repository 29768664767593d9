#include "lib/model/go_quote.h"
#include "lib/model/names.h"
#include "lib/scrape/relabel/relabeler.h"
#include "lib/scrape/target/host_port.h"
#include "lib/scrape/target/scrape_url.h"
#include "lib/scrape/target/target.h"

namespace tsdbd::scrape {
namespace {

constexpr std::string_view kAddress = "__address__";
constexpr std::string_view kScheme = "__scheme__";
constexpr std::string_view kMetricsPath = "__metrics_path__";
constexpr std::string_view kScrapeInterval = "__scrape_interval__";
constexpr std::string_view kScrapeTimeout = "__scrape_timeout__";
constexpr std::string_view kParamPrefix = "__param_";
constexpr std::string_view kMetaPrefix = "__meta_";
constexpr std::string_view kReservedPrefix = "__";

// Whether a default port must be added: `address` has none, and adding one makes it a
// valid host:port.
bool NeedsPort(std::string_view address) {
  if (SplitHostPort(address)) return false;
  return SplitHostPort(std::string(address) + ":1234").has_value();
}

// Parses a __scrape_interval__ or __scrape_timeout__ value; `what` is "interval" or "timeout".
Result<Duration> ParseScrapeDuration(std::string_view text, std::string_view what) {
  Result<Duration> d = ParseDuration(text);
  if (!d.ok()) {
    return Error("error parsing scrape " + std::string(what) + ": " + d.error().message());
  }
  if (d->count() == 0) return Error("scrape " + std::string(what) + " cannot be 0");
  return d;
}

}  // namespace

Labels Target::PublicLabels() const {
  LabelsBuilder b(labels);
  for (const Label l : labels) {
    if (l.name.starts_with(kReservedPrefix)) b.Del(l.name);
  }
  return b.Build();
}

TargetPopulator::TargetPopulator(const config::ScrapeConfig& cfg)
    : cfg_(cfg),
      relabeler_(std::make_unique<relabel::Relabeler>(cfg.relabel_configs)),
      interval_text_(FormatDuration(cfg.scrape_interval)),
      timeout_text_(FormatDuration(cfg.scrape_timeout)) {}

TargetPopulator::~TargetPopulator() = default;

Result<Target> TargetPopulator::Populate(const Labels& target_labels) {
  LabelsBuilder b(target_labels);
  const auto set_default = [&](std::string_view name, std::string_view value) {
    if (target_labels.Get(name).empty()) b.Set(name, value);
  };
  set_default("job", cfg_.job_name);
  set_default(kScrapeInterval, interval_text_);
  set_default(kScrapeTimeout, timeout_text_);
  set_default(kMetricsPath, cfg_.metrics_path);
  set_default(kScheme, cfg_.scheme);
  // Query parameters of the config win over labels of the same name.
  for (const auto& [name, values] : cfg_.params) {
    if (!values.empty()) b.Set(std::string(kParamPrefix) + name, values[0]);
  }

  Target t;
  t.discovered = b.Build();
  std::optional<Labels> relabeled = relabeler_->Process(t.discovered);
  if (!relabeled) {
    t.dropped = true;
    return t;
  }
  const Labels& lset = *relabeled;
  std::string address(lset.Get(kAddress));
  if (address.empty()) return Error("no address");

  b.Reset(lset);
  if (NeedsPort(address)) {
    const std::string_view scheme = lset.Get(kScheme);
    if (scheme == "http" || scheme.empty()) {
      address += ":80";
    } else if (scheme == "https") {
      address += ":443";
    } else {
      // Prometheus names the config's scheme here, not the label's.
      return Error("invalid scheme: " + GoQuote(cfg_.scheme));
    }
    b.Set(kAddress, address);
  }
  if (address.find('/') != std::string::npos) {
    return Error(GoQuote(address) + " is not a valid hostname");
  }

  const std::string_view interval_text = lset.Get(kScrapeInterval);
  Result<Duration> interval = ParseScrapeDuration(interval_text, "interval");
  if (!interval.ok()) return interval.error();
  const std::string_view timeout_text = lset.Get(kScrapeTimeout);
  Result<Duration> timeout = ParseScrapeDuration(timeout_text, "timeout");
  if (!timeout.ok()) return timeout.error();
  if (*timeout > *interval) {
    return Error("scrape timeout cannot be greater than scrape interval (" + GoQuote(timeout_text) +
                 " > " + GoQuote(interval_text) + ")");
  }

  for (const Label l : lset) {
    if (l.name.starts_with(kMetaPrefix)) b.Del(l.name);
  }
  if (lset.Get("instance").empty()) b.Set("instance", address);

  t.labels = b.Build();
  for (const Label l : t.labels) {
    if (!IsValidLabelValue(l.value)) {
      return Error("invalid label value for " + GoQuote(l.name) + ": " + GoQuote(l.value));
    }
  }
  t.interval = *interval;
  t.timeout = *timeout;
  t.scrape_url = ScrapeUrl(t.labels, cfg_.params);
  return t;
}

std::vector<Result<Target>> TargetPopulator::FromGroup(const TargetGroup& group) {
  std::vector<Result<Target>> out;
  out.reserve(group.targets.size());
  for (size_t i = 0; i < group.targets.size(); ++i) {
    LabelsBuilder b(group.targets[i]);
    for (const Label l : group.labels) {
      if (group.targets[i].Get(l.name).empty()) b.Set(l.name, l.value);
    }
    Result<Target> t = Populate(b.Build());
    if (!t.ok()) {
      t = Error("instance " + std::to_string(i) + " in group " + group.source + ": " +
                t.error().message());
    }
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace tsdbd::scrape
