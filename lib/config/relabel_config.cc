#include "lib/config/relabel_config.h"

#include <re2/re2.h>

namespace tsdbd::config {

const char* RelabelActionName(RelabelAction action) {
  switch (action) {
    case RelabelAction::kReplace:
      return "replace";
    case RelabelAction::kKeep:
      return "keep";
    case RelabelAction::kDrop:
      return "drop";
    case RelabelAction::kKeepEqual:
      return "keepequal";
    case RelabelAction::kDropEqual:
      return "dropequal";
    case RelabelAction::kHashMod:
      return "hashmod";
    case RelabelAction::kLabelMap:
      return "labelmap";
    case RelabelAction::kLabelDrop:
      return "labeldrop";
    case RelabelAction::kLabelKeep:
      return "labelkeep";
    case RelabelAction::kLowercase:
      return "lowercase";
    case RelabelAction::kUppercase:
      return "uppercase";
  }
  return "replace";
}

bool RelabelConfig::operator==(const RelabelConfig& o) const {
  return source_labels == o.source_labels && separator == o.separator &&
         regex_text == o.regex_text && regex_null == o.regex_null && modulus == o.modulus &&
         target_label == o.target_label && replacement == o.replacement && action == o.action;
}

std::shared_ptr<const re2::RE2> CompileAnchoredRegex(const std::string& text, std::string* error) {
  RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_shared<const re2::RE2>("^(?:" + text + ")$", options);
  if (!re->ok()) {
    if (error) *error = re->error();
    return nullptr;
  }
  return re;
}

}  // namespace tsdbd::config
