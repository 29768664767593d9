// The record payloads that the head writes to the WAL and checkpoints, as Prometheus 2.42
// lays them out (tsdb/docs/format/wal.md): the first byte names the type, the rest is
// type-specific. References are HeadSeriesRef values (uint64).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tsdbd::tsdb::record {

enum class Type : uint8_t {
  kSeries = 1,
  kSamples = 2,
  kTombstones = 3,
  kExemplars = 4,
  kMmapMarkers = 5,
  kMetadata = 6,
  kHistogramSamples = 7,       // native histograms: recognised, not decoded
  kFloatHistogramSamples = 8,  // recognised, not decoded
  kUnknown = 255,
};

struct Label {
  std::string name;
  std::string value;
  friend bool operator==(const Label&, const Label&) = default;
};

// A series and the labels that identify it.
struct RefSeries {
  uint64_t ref = 0;
  std::vector<Label> labels;
  friend bool operator==(const RefSeries&, const RefSeries&) = default;
};

struct RefSample {
  uint64_t ref = 0;
  int64_t t = 0;  // milliseconds since the epoch
  double v = 0;
};

// Samples of series `ref` in [min_time, max_time] (inclusive) are deleted.
struct Stone {
  uint64_t ref = 0;
  int64_t min_time = 0;
  int64_t max_time = 0;
  friend bool operator==(const Stone&, const Stone&) = default;
};

struct RefExemplar {
  uint64_t ref = 0;
  int64_t t = 0;
  double v = 0;
  std::vector<Label> labels;
};

// Points a series at an m-mapped head chunk (written by Prometheus for out-of-order data).
struct RefMmapMarker {
  uint64_t ref = 0;
  uint64_t mmap_ref = 0;
  friend bool operator==(const RefMmapMarker&, const RefMmapMarker&) = default;
};

// Metric type codes stored in metadata records.
enum class MetricType : uint8_t {
  kUnknown = 0,
  kCounter = 1,
  kGauge = 2,
  kHistogram = 3,
  kGaugeHistogram = 4,
  kSummary = 5,
  kInfo = 6,
  kStateset = 7,
};

struct RefMetadata {
  uint64_t ref = 0;
  MetricType type = MetricType::kUnknown;
  std::string unit;
  std::string help;
  friend bool operator==(const RefMetadata&, const RefMetadata&) = default;
};

}  // namespace tsdbd::tsdb::record
