// What selecting series by matchers needs from an inverted index: the head's in-memory
// PostingsIndex and a block's on-disk index reader both provide it.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "lib/tsdb/index/postings.h"

namespace tsdbd::tsdb::index {

class PostingsSource {
 public:
  virtual ~PostingsSource() = default;
  // The series with label name=value.
  virtual PostingsPtr Get(std::string_view name, std::string_view value) const = 0;
  // The series with label `name` set to any of `values` (sorted or not).
  virtual PostingsPtr GetAny(std::string_view name, std::span<const std::string> values) const = 0;
  // The series with label `name` set to a value for which keep(value) is true. keep must not
  // call back into the source.
  virtual PostingsPtr GetMatching(std::string_view name,
                                  const std::function<bool(std::string_view)>& keep) const = 0;
  // Like GetMatching, for a keep that is false for every value not starting with `prefix`.
  // A source whose values are sorted visits only the values with that prefix; by default,
  // every value.
  virtual PostingsPtr GetMatchingPrefix(std::string_view name, std::string_view prefix,
                                        const std::function<bool(std::string_view)>& keep) const {
    (void)prefix;
    return GetMatching(name, keep);
  }
  // Every series.
  virtual PostingsPtr All() const = 0;
};

}  // namespace tsdbd::tsdb::index
