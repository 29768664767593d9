// A storage::Appendable for the remote tests that records every call and refuses the
// samples a test chooses, as a real head would.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "lib/storage/appender.h"

namespace tsdbd::remote::testing {

struct RecordedSample {
  std::string labels;  // Labels::ToString()
  int64_t t = 0;
  double v = 0;
  storage::SeriesRef ref = 0;  // the ref the caller passed
};

class FakeAppendable : public storage::Appendable {
 public:
  // Samples older than this are out of bounds (checked first, as the head does).
  int64_t min_valid_t = std::numeric_limits<int64_t>::min();
  // (labels string, timestamp) -> status to return for that sample.
  std::map<std::pair<std::string, int64_t>, storage::AppendStatus> refuse;
  Status commit_status = Status::Ok();

  int appenders = 0;
  int commits = 0;
  int rollbacks = 0;
  std::vector<RecordedSample> appended;   // every Append call that returned kOk
  std::vector<RecordedSample> committed;  // what the successful commits stored

  std::unique_ptr<storage::Appender> NewAppender() override {
    appenders++;
    return std::make_unique<Batch>(this);
  }

 private:
  class Batch : public storage::Appender {
   public:
    explicit Batch(FakeAppendable* db) : db_(db) {}
    storage::AppendOutcome Append(storage::SeriesRef ref, const Labels& labels, int64_t t,
                                  double v) override {
      if (t < db_->min_valid_t) return {0, storage::AppendStatus::kOutOfBounds};
      if (labels.empty()) return {0, storage::AppendStatus::kInvalidLabels};
      const std::string key = labels.ToString();
      auto it = db_->refuse.find({key, t});
      if (it != db_->refuse.end()) return {0, it->second};
      RecordedSample s{key, t, v, ref};
      batch_.push_back(s);
      db_->appended.push_back(s);
      return {std::hash<std::string>()(key) | 1, storage::AppendStatus::kOk};
    }
    Status Commit() override {
      db_->commits++;
      if (!db_->commit_status) return db_->commit_status;
      db_->committed.insert(db_->committed.end(), batch_.begin(), batch_.end());
      return Status::Ok();
    }
    void Rollback() override { db_->rollbacks++; }

   private:
    FakeAppendable* db_;
    std::vector<RecordedSample> batch_;
  };
};

}  // namespace tsdbd::remote::testing
