// Series held in plain vectors: for results decoded from the wire (remote read), for
// merging, and as the reference storage in tests.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "lib/storage/querier.h"

namespace tsdbd::storage {

// Iterates a sorted vector of samples it does not own.
class VectorSampleIterator final : public SampleIterator {
 public:
  // `samples` must be sorted by timestamp with distinct timestamps and outlive the iterator.
  explicit VectorSampleIterator(const std::vector<Sample>* samples) : samples_(samples) {}
  bool Next() override;
  bool Seek(int64_t t) override;
  Sample At() const override { return (*samples_)[pos_]; }

 private:
  const std::vector<Sample>* samples_;
  size_t pos_ = static_cast<size_t>(-1);  // before the first sample
};

// A series whose samples live in a vector.
class ListSeries final : public Series {
 public:
  ListSeries(Labels labels, std::vector<Sample> samples)
      : labels_(std::move(labels)), samples_(std::move(samples)) {}
  const Labels& labels() const override { return labels_; }
  std::unique_ptr<SampleIterator> Iterator() const override {
    return std::make_unique<VectorSampleIterator>(&samples_);
  }
  const std::vector<Sample>& samples() const { return samples_; }

 private:
  Labels labels_;
  std::vector<Sample> samples_;
};

// A SeriesSet over a list of series, in the order given.
class ListSeriesSet final : public SeriesSet {
 public:
  explicit ListSeriesSet(std::vector<std::shared_ptr<const Series>> series,
                         std::vector<std::string> warnings = {})
      : series_(std::move(series)), warnings_(std::move(warnings)) {}
  bool Next() override { return ++pos_ < series_.size(); }
  std::shared_ptr<const Series> At() const override { return series_[pos_]; }
  std::vector<std::string> Warnings() const override { return warnings_; }

 private:
  std::vector<std::shared_ptr<const Series>> series_;
  std::vector<std::string> warnings_;
  size_t pos_ = static_cast<size_t>(-1);
};

// A SeriesSet that failed.
class ErrorSeriesSet final : public SeriesSet {
 public:
  explicit ErrorSeriesSet(Error error) : error_(std::move(error)) {}
  bool Next() override { return false; }
  std::shared_ptr<const Series> At() const override { return nullptr; }
  Status Err() const override { return error_; }

 private:
  Error error_;
};

}  // namespace tsdbd::storage
