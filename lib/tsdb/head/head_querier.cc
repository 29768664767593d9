#include "lib/tsdb/head/head_querier.h"

#include <bit>
#include <set>

#include "lib/tsdb/block/chunk_series_iterator.h"
#include "lib/tsdb/head/head.h"
#include "lib/tsdb/head/series_sort.h"
#include "lib/tsdb/index/postings_matchers.h"

namespace tsdbd::tsdb {
namespace {

class HeadSeries final : public storage::Series {
 public:
  HeadSeries(Labels labels, std::vector<ChunkSnapshot> chunks, int64_t mint, int64_t maxt)
      : labels_(std::move(labels)),
        chunks_(std::make_shared<const std::vector<ChunkSnapshot>>(std::move(chunks))),
        mint_(mint),
        maxt_(maxt) {}
  const Labels& labels() const override { return labels_; }
  std::unique_ptr<storage::SampleIterator> Iterator() const override {
    std::vector<block::ChunkSpan> spans;
    spans.reserve(chunks_->size());
    for (const ChunkSnapshot& c : *chunks_) spans.push_back({c.min_t, c.max_t, c.bytes});
    return std::make_unique<block::ChunkSeriesIterator>(std::move(spans), mint_, maxt_,
                                                        std::vector<block::Interval>{}, chunks_);
  }

 private:
  const Labels labels_;
  const std::shared_ptr<const std::vector<ChunkSnapshot>> chunks_;
  const int64_t mint_, maxt_;
};

class HeadSeriesSet final : public storage::SeriesSet {
 public:
  // With `labels_only`, no chunk is snapshot: the series carry labels and no samples.
  HeadSeriesSet(Head* head, std::vector<SeriesPtr> series, int64_t mint, int64_t maxt,
                bool labels_only, HeadReaders::LeasePtr lease)
      : head_(head),
        series_(std::move(series)),
        mint_(mint),
        maxt_(maxt),
        labels_only_(labels_only),
        lease_(std::move(lease)) {}

  bool Next() override {
    std::vector<ChunkSnapshot> chunks;
    while (next_ < series_.size()) {
      SeriesPtr s = std::move(series_[next_++]);
      chunks.clear();
      bool selected;
      {
        std::lock_guard lock(head_->SeriesLock(s->ref()));
        if (labels_only_) {
          selected = s->HasChunkIn(mint_, maxt_);
        } else {
          s->SnapshotShared(mint_, maxt_, &chunks);
          selected = !chunks.empty();
        }
      }
      if (!selected) continue;
      cur_ = std::make_shared<const HeadSeries>(s->labels(), std::move(chunks), mint_, maxt_);
      return true;
    }
    return false;
  }
  std::shared_ptr<const storage::Series> At() const override { return cur_; }

 private:
  Head* const head_;
  std::vector<SeriesPtr> series_;
  size_t next_ = 0;
  const int64_t mint_, maxt_;
  const bool labels_only_;
  const HeadReaders::LeasePtr lease_;
  std::shared_ptr<const HeadSeries> cur_;
};

std::vector<SeriesPtr> SeriesFor(Head* head, std::span<const Matcher> matchers) {
  index::PostingsPtr p = index::PostingsForMatchers(head->postings(), matchers);
  std::vector<SeriesPtr> out;
  while (p->Next()) {
    if (SeriesPtr s = head->series().GetByRef(p->At())) out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

bool HeadQuerier::OutsideHead() const {
  const int64_t head_max = head_->MaxTime();
  return head_max == Head::kNoTime || maxt_ < head_->MinTime() || mint_ > head_max;
}

std::unique_ptr<storage::SeriesSet> HeadQuerier::Select(bool sorted,
                                                        const storage::SelectHints* hints,
                                                        std::span<const Matcher> matchers) {
  std::vector<SeriesPtr> series = SeriesFor(head_, matchers);
  if (sorted) SortByLabels(&series);
  return std::make_unique<HeadSeriesSet>(head_, std::move(series), mint_, maxt_,
                                         storage::LabelsOnly(hints), lease_);
}

Result<std::vector<std::string>> HeadQuerier::LabelValues(std::string_view name,
                                                          std::span<const Matcher> matchers) {
  if (OutsideHead()) return std::vector<std::string>{};
  if (matchers.empty()) return head_->postings().LabelValues(name);
  std::set<std::string_view> values;
  for (const SeriesPtr& s : SeriesFor(head_, matchers)) {
    std::string_view v = s->labels().Get(name);
    if (!v.empty()) values.insert(v);
  }
  return std::vector<std::string>(values.begin(), values.end());
}

Result<std::vector<std::string>> HeadQuerier::LabelNames(std::span<const Matcher> matchers) {
  if (OutsideHead()) return std::vector<std::string>{};
  if (matchers.empty()) return head_->postings().LabelNames();
  std::set<std::string_view> names;
  for (const SeriesPtr& s : SeriesFor(head_, matchers)) {
    for (Label l : s->labels()) names.insert(l.name);
  }
  return std::vector<std::string>(names.begin(), names.end());
}

}  // namespace tsdbd::tsdb
