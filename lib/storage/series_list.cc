#include "lib/storage/series_list.h"

#include <algorithm>

namespace tsdbd::storage {

bool VectorSampleIterator::Next() {
  if (pos_ + 1 >= samples_->size()) {
    pos_ = samples_->size();
    return false;
  }
  ++pos_;
  return true;
}

bool VectorSampleIterator::Seek(int64_t t) {
  if (pos_ == static_cast<size_t>(-1)) pos_ = 0;
  if (pos_ >= samples_->size()) return false;
  if ((*samples_)[pos_].t >= t) return true;
  const auto it = std::lower_bound(samples_->begin() + static_cast<ptrdiff_t>(pos_),
                                   samples_->end(), t,
                                   [](const Sample& s, int64_t ts) { return s.t < ts; });
  pos_ = static_cast<size_t>(it - samples_->begin());
  return pos_ < samples_->size();
}

}  // namespace tsdbd::storage
