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
#include "lib/scrape/discovery/target_group.h"

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

using discovery::TargetGroup;

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
