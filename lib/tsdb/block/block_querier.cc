#include "lib/tsdb/block/block_querier.h"

#include <set>

#include "lib/tsdb/block/block.h"
#include "lib/tsdb/block/chunk_series_iterator.h"
#include "lib/tsdb/index/postings_matchers.h"

namespace tsdbd::tsdb::block {
namespace {

class BlockSeries final : public storage::Series {
 public:
  BlockSeries(Labels labels, std::vector<ChunkSpan> chunks, std::vector<Interval> deleted,
              int64_t mint, int64_t maxt, std::shared_ptr<const Block> block)
      : labels_(std::move(labels)),
        chunks_(std::move(chunks)),
        deleted_(std::move(deleted)),
        mint_(mint),
        maxt_(maxt),
        block_(std::move(block)) {}
  const Labels& labels() const override { return labels_; }
  std::unique_ptr<storage::SampleIterator> Iterator() const override {
    return std::make_unique<ChunkSeriesIterator>(chunks_, mint_, maxt_, deleted_, block_);
  }

 private:
  const Labels labels_;
  const std::vector<ChunkSpan> chunks_;
  const std::vector<Interval> deleted_;
  const int64_t mint_, maxt_;
  const std::shared_ptr<const Block> block_;
};

bool WhollyDeleted(const ChunkMeta& c, std::span<const Interval> deleted) {
  for (const Interval& iv : deleted) {
    if (iv.mint <= c.min_time && c.max_time <= iv.maxt) return true;
  }
  return false;
}

class BlockSeriesSet final : public storage::SeriesSet {
 public:
  // With `labels_only`, no chunk is read: the series carry labels and no samples.
  BlockSeriesSet(std::shared_ptr<const Block> block, std::shared_ptr<const Tombstones> tombstones,
                 index::PostingsPtr postings, int64_t mint, int64_t maxt, bool labels_only)
      : block_(std::move(block)),
        tombstones_(std::move(tombstones)),
        postings_(std::move(postings)),
        mint_(mint),
        maxt_(maxt),
        labels_only_(labels_only) {}

  bool Next() override {
    if (!err_.ok()) return false;
    while (postings_->Next()) {
      const uint64_t ref = postings_->At();
      Labels labels;
      if (Status s = block_->index().Series(ref, &labels, &metas_); !s.ok()) return Fail(s);
      std::vector<Interval> deleted =
          tombstones_->Empty() ? std::vector<Interval>{} : tombstones_->Get(ref);
      std::vector<ChunkSpan> spans;
      bool selected = false;
      for (const ChunkMeta& c : metas_) {
        if (c.max_time < mint_ || c.min_time > maxt_) continue;
        if (!deleted.empty() && WhollyDeleted(c, deleted)) continue;
        selected = true;
        if (labels_only_) break;
        auto bytes = block_->chunks().Chunk(c.ref);
        if (!bytes.ok()) {
          return Fail(Error("block " + block_->ulid() + ": series " + labels.ToString() + ": " +
                            bytes.error().message()));
        }
        spans.push_back({c.min_time, c.max_time, *bytes});
      }
      if (!selected) continue;
      cur_ = std::make_shared<const BlockSeries>(std::move(labels), std::move(spans),
                                                 std::move(deleted), mint_, maxt_, block_);
      return true;
    }
    return false;
  }
  std::shared_ptr<const storage::Series> At() const override { return cur_; }
  Status Err() const override { return err_; }

 private:
  bool Fail(Status s) {
    err_ = std::move(s);
    return false;
  }

  const std::shared_ptr<const Block> block_;
  const std::shared_ptr<const Tombstones> tombstones_;
  index::PostingsPtr postings_;
  const int64_t mint_, maxt_;
  const bool labels_only_;
  std::vector<ChunkMeta> metas_;
  std::shared_ptr<const BlockSeries> cur_;
  Status err_;
};

// The labels of every series matching `matchers`, one call per series.
template <typename Fn>
Status ForEachMatchingSeries(const Block& block, std::span<const Matcher> matchers, Fn&& fn) {
  index::PostingsPtr p = index::PostingsForMatchers(block.index(), matchers);
  Labels labels;
  std::vector<ChunkMeta> chunks;
  while (p->Next()) {
    if (Status s = block.index().Series(p->At(), &labels, &chunks); !s.ok()) return s;
    fn(labels);
  }
  return Status::Ok();
}

}  // namespace

BlockQuerier::BlockQuerier(std::shared_ptr<const Block> block,
                           std::shared_ptr<const Tombstones> tombstones, int64_t mint, int64_t maxt)
    : block_(std::move(block)), tombstones_(std::move(tombstones)), mint_(mint), maxt_(maxt) {}

std::unique_ptr<storage::SeriesSet> BlockQuerier::Select(bool /*sorted*/,
                                                         const storage::SelectHints* hints,
                                                         std::span<const Matcher> matchers) {
  return std::make_unique<BlockSeriesSet>(block_, tombstones_,
                                          index::PostingsForMatchers(block_->index(), matchers),
                                          mint_, maxt_, storage::LabelsOnly(hints));
}

Result<std::vector<std::string>> BlockQuerier::LabelValues(std::string_view name,
                                                           std::span<const Matcher> matchers) {
  if (matchers.empty()) return block_->index().LabelValues(name);
  std::set<std::string, std::less<>> values;
  Status s = ForEachMatchingSeries(*block_, matchers, [&](const Labels& labels) {
    std::string_view v = labels.Get(name);
    if (!v.empty() && values.find(v) == values.end()) values.emplace(v);
  });
  if (!s.ok()) return Error(s.message());
  return std::vector<std::string>(values.begin(), values.end());
}

Result<std::vector<std::string>> BlockQuerier::LabelNames(std::span<const Matcher> matchers) {
  if (matchers.empty()) return block_->index().LabelNames();
  std::set<std::string, std::less<>> names;
  Status s = ForEachMatchingSeries(*block_, matchers, [&](const Labels& labels) {
    for (Label l : labels) {
      if (names.find(l.name) == names.end()) names.emplace(l.name);
    }
  });
  if (!s.ok()) return Error(s.message());
  return std::vector<std::string>(names.begin(), names.end());
}

}  // namespace tsdbd::tsdb::block
