// Scrape targets: what discovery found, turned into the labels and URL a scrape uses, as
// Prometheus 2.42's target population does (scrape/target.go's PopulateLabels).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "lib/config/config.h"
#include "lib/model/duration.h"
#include "lib/model/labels.h"
#include "lib/model/result.h"

namespace tsdbd::scrape {

namespace relabel {
class Relabeler;
}

// One discovered target after relabeling.
struct Target {
  // Relabeling dropped the target: only `discovered` is set (it is listed among
  // /api/v1/targets' droppedTargets).
  bool dropped = false;
  // The labels before relabeling: the group's and target's labels plus the scrape config's
  // defaults (job, __scheme__, __metrics_path__, __scrape_interval__, __scrape_timeout__,
  // __param_<name>). Shown as discoveredLabels. (Prometheus 2.42 shows this list partly
  // overwritten by relabeling rules that write labels, against its own API documentation;
  // we keep it as documented: unmodified.)
  Labels discovered;
  // The labels after relabeling, with instance defaulted to the address, the default port
  // added to __address__ and __meta_* removed. Still holds the other "__" labels.
  Labels labels;
  std::string scrape_url;
  Duration interval{0};
  Duration timeout{0};

  // `labels` without the names starting with "__": the target's labels in the API and the
  // labels attached to its series.
  Labels PublicLabels() const;
};

// A set of targets from one discovery source sharing common labels (Prometheus's
// targetgroup.Group). Each target is a label set holding at least __address__.
struct TargetGroup {
  std::vector<Labels> targets;
  Labels labels;       // applied to every target that does not set the same name itself
  std::string source;  // identifies the group within its provider ("0", a file name, ...)
};

// The groups a static_configs list yields: one per entry, sourced "0", "1", ...
std::vector<TargetGroup> StaticTargetGroups(const std::vector<config::StaticConfig>& configs);

// Populates targets for one scrape config. Keeps a reference to `cfg`, which must outlive
// it. Not thread-safe (it reuses relabeling buffers).
class TargetPopulator {
 public:
  explicit TargetPopulator(const config::ScrapeConfig& cfg);
  ~TargetPopulator();
  TargetPopulator(const TargetPopulator&) = delete;
  TargetPopulator& operator=(const TargetPopulator&) = delete;

  // From a target's label set (group labels already merged in). An error when Prometheus
  // refuses the target (it then logs the error and lists the target nowhere): "no address",
  // "\"a/b:80\" is not a valid hostname", "invalid scheme: ...", unparsable or zero
  // __scrape_interval__ / __scrape_timeout__, a timeout above the interval, an invalid
  // UTF-8 label value.
  Result<Target> Populate(const Labels& target_labels);

  // Every target of `group`, in order; errors read "instance <i> in group <source>: ...".
  std::vector<Result<Target>> FromGroup(const TargetGroup& group);

 private:
  const config::ScrapeConfig& cfg_;
  std::unique_ptr<relabel::Relabeler> relabeler_;
  std::string interval_text_;  // the config's interval as Prometheus prints it
  std::string timeout_text_;
};

}  // namespace tsdbd::scrape
