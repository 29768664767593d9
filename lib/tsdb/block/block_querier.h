// Reading a block: series through its index's postings, samples from its chunk files.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lib/storage/querier.h"
#include "lib/tsdb/block/tombstones.h"

namespace tsdbd::tsdb::block {

class Block;

// Not thread-safe (one user). Holds the block, so the block's files stay readable while the
// querier and the series it produced live. Series come in label order (the index's order)
// whether or not sorting is asked for. As in Prometheus, a series is returned when one of its
// chunks overlaps the range and is not wholly inside a deleted interval.
class BlockQuerier final : public storage::Querier {
 public:
  BlockQuerier(std::shared_ptr<const Block> block, std::shared_ptr<const Tombstones> tombstones,
               int64_t mint, int64_t maxt);

  // For labels-only hints (storage::LabelsOnly) no chunk is read, and the series yield no
  // samples.
  std::unique_ptr<storage::SeriesSet> Select(bool sorted, const storage::SelectHints* hints,
                                             std::span<const Matcher> matchers) override;
  // Label values and names of the whole block (not limited by time, as in Prometheus).
  Result<std::vector<std::string>> LabelValues(std::string_view name,
                                               std::span<const Matcher> matchers) override;
  Result<std::vector<std::string>> LabelNames(std::span<const Matcher> matchers) override;

 private:
  const std::shared_ptr<const Block> block_;
  const std::shared_ptr<const Tombstones> tombstones_;
  const int64_t mint_, maxt_;
};

}  // namespace tsdbd::tsdb::block
