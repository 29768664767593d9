#include "lib/metrics/summary.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace tsdbd::metrics {
namespace {

// NaN sorts above every number, so that it never hides among them.
bool Less(double a, double b) {
  if (std::isnan(a)) return false;
  if (std::isnan(b)) return true;
  return a < b;
}

}  // namespace

bool ValidateQuantiles(const std::vector<double>& quantiles) {
  for (std::size_t i = 0; i < quantiles.size(); ++i) {
    if (!(quantiles[i] >= 0 && quantiles[i] <= 1)) return false;  // NaN fails too
    if (i > 0 && !(quantiles[i] > quantiles[i - 1])) return false;
  }
  return true;
}

Summary::Summary(const Options& options)
    : quantiles_(options.quantiles),
      bucket_span_(std::max<Clock::duration>(options.max_age / std::max(options.age_buckets, 1),
                                             Clock::duration(1))),
      max_per_bucket_(std::max<std::size_t>(options.max_per_bucket, 1)),
      origin_(Clock::now()),
      buckets_(static_cast<std::size_t>(std::max(options.age_buckets, 1))) {}

std::int64_t Summary::EpochAt(Clock::time_point now) const {
  if (now <= origin_) return 0;
  return static_cast<std::int64_t>((now - origin_) / bucket_span_);
}

void Summary::ObserveAt(double v, Clock::time_point now) {
  const std::int64_t epoch = EpochAt(now);
  std::lock_guard lock(mu_);
  sum_ += v;
  ++count_;
  AgeBucket& b = buckets_[static_cast<std::size_t>(epoch) % buckets_.size()];
  // A bucket last used max_age or more ago starts over. (A late caller whose time is older
  // than the bucket's, after a race, counts in the newer slot: at most a slot's skew.)
  if (b.epoch < epoch) {
    b.epoch = epoch;
    b.seen = 0;
    b.kept.clear();
  }
  ++b.seen;
  if (b.kept.size() < max_per_bucket_) {
    b.kept.push_back(v);
    return;
  }
  // Algorithm R: the seen-th observation replaces a random kept one with probability
  // kept / seen, which leaves every observation equally likely to be kept.
  rng_ ^= rng_ << 13;
  rng_ ^= rng_ >> 7;
  rng_ ^= rng_ << 17;
  const std::uint64_t slot = rng_ % b.seen;
  if (slot < b.kept.size()) b.kept[slot] = v;
}

Summary::Snapshot Summary::ReadAt(Clock::time_point now) const {
  const std::int64_t epoch = EpochAt(now);
  const auto window = static_cast<std::int64_t>(buckets_.size());
  Snapshot s;
  std::vector<std::pair<double, double>> weighted;  // (value, observations it stands for)
  {
    std::lock_guard lock(mu_);
    s.sum = sum_;
    s.count = count_;
    std::size_t n = 0;
    for (const AgeBucket& b : buckets_) {
      if (b.epoch > epoch - window && b.epoch <= epoch) n += b.kept.size();
    }
    weighted.reserve(n);
    for (const AgeBucket& b : buckets_) {
      if (b.epoch <= epoch - window || b.epoch > epoch || b.kept.empty()) continue;
      const double weight = static_cast<double>(b.seen) / static_cast<double>(b.kept.size());
      for (double v : b.kept) weighted.emplace_back(v, weight);
    }
  }
  std::sort(weighted.begin(), weighted.end(),
            [](const auto& a, const auto& b) { return Less(a.first, b.first); });
  double total = 0;
  for (const auto& [v, w] : weighted) total += w;

  s.values.assign(quantiles_->size(), std::numeric_limits<double>::quiet_NaN());
  if (weighted.empty()) return s;
  // Quantiles increase, so one pass over the sorted values answers them all.
  std::size_t i = 0;
  double cumulative = weighted[0].second;
  for (std::size_t k = 0; k < quantiles_->size(); ++k) {
    // Nearest rank, with a little slack so that q * total computed in floating point
    // (0.9 * 10 = 9.000000000000002) does not skip to the next value.
    const double rank = (*quantiles_)[k] * total * (1 - 1e-12);
    while (cumulative < rank && i + 1 < weighted.size()) cumulative += weighted[++i].second;
    s.values[k] = weighted[i].first;
  }
  return s;
}

}  // namespace tsdbd::metrics
