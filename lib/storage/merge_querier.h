// Several queriers seen as one (head and blocks; local and remote read): series with equal
// labels become one series whose samples are merged by timestamp, the first source winning
// where two have the same timestamp.
#pragma once

#include <memory>
#include <vector>

#include "lib/storage/querier.h"

namespace tsdbd::storage {

// Owns `queriers`. With a single querier it passes everything through. An error from any
// querier fails the whole query.
std::unique_ptr<Querier> NewMergeQuerier(std::vector<std::unique_ptr<Querier>> queriers);

// The series of several sets, each sorted by labels, merged into one sorted set.
std::unique_ptr<SeriesSet> MergeSeriesSets(std::vector<std::unique_ptr<SeriesSet>> sets);

// One iterator over several iterators of the same series, in timestamp order; where
// several have a sample at the same timestamp, the earliest in `its` wins.
std::unique_ptr<SampleIterator> MergeSampleIterators(
    std::vector<std::unique_ptr<SampleIterator>> its);

}  // namespace tsdbd::storage
