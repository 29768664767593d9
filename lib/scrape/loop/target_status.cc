#include "lib/scrape/loop/target_status.h"

namespace tsdbd::scrape {

std::string_view TargetHealthName(TargetHealth health) {
  switch (health) {
    case TargetHealth::kUp:
      return "up";
    case TargetHealth::kDown:
      return "down";
    case TargetHealth::kUnknown:
      break;
  }
  return "unknown";
}

}  // namespace tsdbd::scrape
