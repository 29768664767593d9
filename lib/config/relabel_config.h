// One relabel rule of relabel_configs, metric_relabel_configs, write_relabel_configs and
// alert_relabel_configs, as Prometheus 2.42 defines it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace re2 {
class RE2;
}

namespace tsdbd::config {

enum class RelabelAction {
  kReplace,
  kKeep,
  kDrop,
  kKeepEqual,
  kDropEqual,
  kHashMod,
  kLabelMap,
  kLabelDrop,
  kLabelKeep,
  kLowercase,
  kUppercase,
};

// The lowercase name Prometheus uses ("replace", "labelmap", ...).
const char* RelabelActionName(RelabelAction action);

struct RelabelConfig {
  std::vector<std::string> source_labels;
  std::string separator = ";";
  // The regex as written; `regex` holds it compiled and fully anchored (^(?:...)$).
  std::string regex_text = "(.*)";
  // Set when the config wrote `regex: ""` (Prometheus then prints `regex: null`).
  bool regex_null = false;
  std::shared_ptr<const re2::RE2> regex;
  uint64_t modulus = 0;
  std::string target_label;
  std::string replacement = "$1";
  RelabelAction action = RelabelAction::kReplace;

  // Compares the written fields (the compiled regex follows from regex_text).
  bool operator==(const RelabelConfig& other) const;
};

// Compiles `text` anchored the way Prometheus anchors relabel regexes. Null on a syntax
// error, with the RE2 message in *error.
std::shared_ptr<const re2::RE2> CompileAnchoredRegex(const std::string& text, std::string* error);

}  // namespace tsdbd::config
