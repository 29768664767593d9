#include "lib/metrics/family.h"

#include <numeric>

#include "lib/metrics/programming_error.h"

namespace tsdbd::metrics {

FamilyBase::FamilyBase(std::string name, std::string help, MetricType type,
                       std::vector<std::string> label_names)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      label_names_(std::move(label_names)) {
  sorted_index_.resize(label_names_.size());
  std::iota(sorted_index_.begin(), sorted_index_.end(), 0);
  std::sort(sorted_index_.begin(), sorted_index_.end(),
            [this](std::size_t a, std::size_t b) { return label_names_[a] < label_names_[b]; });
}

void FamilyBase::CheckLabelCount(std::size_t count) const {
  if (count != label_names_.size()) {
    ProgrammingError(name_ + ": " + std::to_string(count) + " label values for " +
                     std::to_string(label_names_.size()) + " label names");
  }
}

std::uint64_t FamilyBase::HashLabelValues(std::span<const std::string_view> values) {
  // FNV-1a over the values, each followed by a byte that cannot occur in UTF-8.
  std::uint64_t h = 14695981039346656037ull;
  for (std::string_view v : values) {
    for (unsigned char c : v) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0xff;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace tsdbd::metrics
