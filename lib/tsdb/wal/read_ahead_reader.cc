#include "lib/tsdb/wal/read_ahead_reader.h"

#include <utility>

namespace tsdbd::tsdb::wal {

ReadAheadReader::ReadAheadReader(std::vector<SegmentRef> segments, SkipFn skip)
    : reader_(std::move(segments)), skip_(std::move(skip)), thread_([this] { Run(); }) {}

ReadAheadReader::~ReadAheadReader() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ReadAheadReader::Run() {
  while (reader_.Next()) {
    if (skip_ && skip_(reader_.record())) {
      std::lock_guard lock(mu_);
      if (stop_) return;
      continue;
    }
    Record r;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return ready_.size() < kMaxAhead || stop_; });
      if (stop_) return;
      if (!spare_.empty()) {
        r = std::move(spare_.back());
        spare_.pop_back();
      }
    }
    r.bytes.assign(reader_.record());
    r.segment = reader_.segment();
    r.position = reader_.segment_position();
    {
      std::lock_guard lock(mu_);
      ready_.push_back(std::move(r));
    }
    cv_.notify_all();
  }
  {
    std::lock_guard lock(mu_);
    done_ = true;
  }
  cv_.notify_all();
}

bool ReadAheadReader::Next() {
  std::unique_lock lock(mu_);
  if (current_.segment >= 0) spare_.push_back(std::move(current_));
  cv_.wait(lock, [&] { return !ready_.empty() || done_; });
  if (ready_.empty()) {
    current_ = Record();
    return false;
  }
  current_ = std::move(ready_.front());
  ready_.pop_front();
  lock.unlock();
  cv_.notify_all();
  return true;
}

}  // namespace tsdbd::tsdb::wal
