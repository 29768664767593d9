// Postings: sorted lists of series references, and lazy set operations over them
// (intersection, union, difference) as Prometheus's tsdb/index does.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace tsdbd::tsdb::index {

// A forward iterator over strictly increasing series references. Not thread-safe.
class Postings {
 public:
  virtual ~Postings() = default;
  // Advances to the next reference; false at the end.
  virtual bool Next() = 0;
  // Advances to the first reference >= v and returns true, or false when there is none.
  // Stays put when the current reference already is >= v (never moves backwards); before
  // the first Next(), considers the first reference. After false, always false.
  virtual bool Seek(uint64_t v) = 0;
  // The current reference; valid after Next() or Seek() returned true.
  virtual uint64_t At() const = 0;
};

using PostingsPtr = std::unique_ptr<Postings>;

// No references.
PostingsPtr EmptyPostings();
// Iterates a sorted, duplicate-free list that it owns.
PostingsPtr ListPostings(std::vector<uint64_t> refs);

// References in every one of `its` (empty input: no references).
PostingsPtr Intersect(std::vector<PostingsPtr> its);
// References in any of `its`, each once.
PostingsPtr Merge(std::vector<PostingsPtr> its);
// References in `full` but not in `drop`.
PostingsPtr Without(PostingsPtr full, PostingsPtr drop);

// Drains `p` into a vector.
std::vector<uint64_t> ExpandPostings(Postings& p);

}  // namespace tsdbd::tsdb::index
