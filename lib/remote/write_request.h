// A remote-write 1.0 WriteRequest in memory, without copies: its strings are views into the
// bytes it was decoded from (or into whatever the sender built it from). The decoder fills
// it, the encoder writes it; both reuse its vectors, so a long-lived WriteRequest decodes
// request after request without allocating.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace tsdbd::remote {

struct LabelRef {
  std::string_view name;
  std::string_view value;
  friend bool operator==(const LabelRef&, const LabelRef&) = default;
};

struct Sample {
  double value = 0;
  int64_t timestamp_ms = 0;
};

// Ranges index into WriteRequest's flat vectors.
// (Series and exemplar labels are kept apart: on the wire they may interleave.)
struct ExemplarRef {
  uint32_t labels_begin = 0;
  uint32_t labels_count = 0;
  double value = 0;
  int64_t timestamp_ms = 0;
};

struct SeriesRef {
  uint32_t labels_begin = 0;
  uint32_t labels_count = 0;
  uint32_t samples_begin = 0;
  uint32_t samples_count = 0;
  uint32_t exemplars_begin = 0;
  uint32_t exemplars_count = 0;
  // Native histogram samples are checked for well-formedness and counted, not kept.
  uint32_t histograms_count = 0;
};

// MetricMetadata.MetricType's numbers.
enum class MetricType : int32_t {
  kUnknown = 0,
  kCounter = 1,
  kGauge = 2,
  kHistogram = 3,
  kGaugeHistogram = 4,
  kSummary = 5,
  kInfo = 6,
  kStateSet = 7,
};

struct MetadataRef {
  MetricType type = MetricType::kUnknown;  // any int32 the sender put there
  std::string_view metric_family_name;
  std::string_view help;
  std::string_view unit;
};

class WriteRequest {
 public:
  // Empties the request, keeping the vectors' capacity.
  void Clear();

  // Adds a series (labels in the given order; the spec wants them sorted by name).
  void AddSeries(std::span<const LabelRef> labels, std::span<const Sample> samples);
  // Adds an exemplar to the last series added. Requires a series.
  void AddExemplar(std::span<const LabelRef> labels, double value, int64_t timestamp_ms);

  std::span<const SeriesRef> series() const { return series_; }
  std::span<const LabelRef> labels(const SeriesRef& s) const {
    return std::span(labels_).subspan(s.labels_begin, s.labels_count);
  }
  std::span<const Sample> samples(const SeriesRef& s) const {
    return std::span(samples_).subspan(s.samples_begin, s.samples_count);
  }
  std::span<const ExemplarRef> exemplars(const SeriesRef& s) const {
    return std::span(exemplars_).subspan(s.exemplars_begin, s.exemplars_count);
  }
  std::span<const LabelRef> labels(const ExemplarRef& e) const {
    return std::span(exemplar_labels_).subspan(e.labels_begin, e.labels_count);
  }
  std::span<const MetadataRef> metadata() const { return metadata_; }
  std::vector<MetadataRef>& mutable_metadata() { return metadata_; }

  size_t total_samples() const { return samples_.size(); }
  size_t total_exemplars() const { return exemplars_.size(); }
  size_t total_histograms() const { return histograms_; }

 private:
  friend class WriteRequestDecoder;

  std::vector<SeriesRef> series_;
  std::vector<LabelRef> labels_;           // of series
  std::vector<LabelRef> exemplar_labels_;  // of exemplars
  std::vector<Sample> samples_;
  std::vector<ExemplarRef> exemplars_;
  std::vector<MetadataRef> metadata_;
  size_t histograms_ = 0;
};

}  // namespace tsdbd::remote
