#include "lib/remote/write_request.h"

#include <cassert>

namespace tsdbd::remote {

void WriteRequest::Clear() {
  series_.clear();
  labels_.clear();
  exemplar_labels_.clear();
  samples_.clear();
  exemplars_.clear();
  metadata_.clear();
  histograms_ = 0;
}

void WriteRequest::AddSeries(std::span<const LabelRef> labels, std::span<const Sample> samples) {
  SeriesRef s;
  s.labels_begin = static_cast<uint32_t>(labels_.size());
  s.labels_count = static_cast<uint32_t>(labels.size());
  s.samples_begin = static_cast<uint32_t>(samples_.size());
  s.samples_count = static_cast<uint32_t>(samples.size());
  s.exemplars_begin = static_cast<uint32_t>(exemplars_.size());
  labels_.insert(labels_.end(), labels.begin(), labels.end());
  samples_.insert(samples_.end(), samples.begin(), samples.end());
  series_.push_back(s);
}

void WriteRequest::AddExemplar(std::span<const LabelRef> labels, double value,
                               int64_t timestamp_ms) {
  assert(!series_.empty());
  ExemplarRef e;
  e.labels_begin = static_cast<uint32_t>(exemplar_labels_.size());
  e.labels_count = static_cast<uint32_t>(labels.size());
  e.value = value;
  e.timestamp_ms = timestamp_ms;
  exemplar_labels_.insert(exemplar_labels_.end(), labels.begin(), labels.end());
  exemplars_.push_back(e);
  series_.back().exemplars_count++;
}

}  // namespace tsdbd::remote
