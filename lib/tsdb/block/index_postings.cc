#include "lib/tsdb/block/index_postings.h"

namespace tsdbd::tsdb::block {

namespace {

class BigEndianPostings final : public index::Postings {
 public:
  BigEndianPostings(const uint8_t* data, uint32_t n) : data_(data), n_(n) {}

  bool Next() override {
    if (i_ >= n_) return false;
    if (started_) ++i_;
    started_ = true;
    if (i_ >= n_) return false;
    cur_ = Load(i_);
    return true;
  }

  bool Seek(uint64_t v) override {
    if (i_ >= n_) return false;
    if (started_ && cur_ >= v) return true;
    // The first position at or after i_ whose reference is >= v.
    uint32_t lo = started_ ? i_ + 1 : i_;
    uint32_t hi = n_;
    while (lo < hi) {
      const uint32_t mid = lo + (hi - lo) / 2;
      if (Load(mid) < v) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    started_ = true;
    i_ = lo;
    if (i_ >= n_) return false;
    cur_ = Load(i_);
    return true;
  }

  uint64_t At() const override { return cur_; }

 private:
  uint64_t Load(uint32_t i) const {
    const uint8_t* p = data_ + 4 * static_cast<uint64_t>(i);
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
  }

  const uint8_t* data_;
  uint32_t n_;
  uint32_t i_ = 0;  // current position (n_ when exhausted)
  bool started_ = false;
  uint64_t cur_ = 0;
};

}  // namespace

index::PostingsPtr MappedPostings(const uint8_t* data, uint32_t n) {
  return std::make_unique<BigEndianPostings>(data, n);
}

}  // namespace tsdbd::tsdb::block
