#include "lib/storage/appender.h"

namespace tsdbd::storage {

std::string_view AppendStatusMessage(AppendStatus status) {
  switch (status) {
    case AppendStatus::kOk: return "";
    case AppendStatus::kOutOfOrder: return "out of order sample";
    case AppendStatus::kDuplicateTimestamp: return "duplicate sample for timestamp";
    case AppendStatus::kOutOfBounds: return "out of bounds";
    case AppendStatus::kInvalidLabels: return "invalid labels";
  }
  return "";
}

}  // namespace tsdbd::storage
