// Head::Delete: the admin API's deletion of head samples.
#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

#include "lib/tsdb/head/head.h"
#include "lib/tsdb/index/postings_matchers.h"
#include "lib/tsdb/record/encoder.h"

namespace tsdbd::tsdb {

Status Head::Delete(int64_t mint, int64_t maxt, std::span<const Matcher> matchers) {
  // Nothing beyond what the head holds now: later samples are not deleted (as Prometheus,
  // whose tombstones are clamped to each series' current range).
  const int64_t head_max = MaxTime();
  if (head_max == kNoTime) return Status::Ok();
  mint = std::max(mint, MinTime());
  maxt = std::min(maxt, head_max);
  if (mint > maxt) return Status::Ok();

  std::vector<record::Stone> stones;
  std::vector<SeriesPtr> targets;
  index::PostingsPtr p = index::PostingsForMatchers(postings_, matchers);
  while (p->Next()) {
    SeriesPtr s = series_.GetByRef(p->At());
    if (!s) continue;
    int64_t t0, t1;
    {
      std::lock_guard lock(SeriesLock(s->ref()));
      if (s->Empty()) continue;
      t0 = s->min_time();
      t1 = s->max_time();
    }
    t0 = std::max(t0, mint);
    t1 = std::min(t1, maxt);
    if (t0 > t1) continue;
    stones.push_back({s->ref(), t0, t1});
    targets.push_back(std::move(s));
  }
  if (stones.empty()) return Status::Ok();

  // Logged like a batch of samples, so that it is applied in its place in WAL order and a
  // replay rebuilds exactly what queries see.
  std::string rec;
  record::EncodeTombstones(stones, &rec);
  uint64_t ticket = 0;
  Status logged = LogBatch({}, rec, &ticket);
  ApplyTurn turn(this, ticket);
  if (!logged.ok()) return logged;
  uint64_t dropped = 0;
  for (size_t i = 0; i < stones.size(); ++i) {
    std::lock_guard lock(SeriesLock(targets[i]->ref()));
    dropped += targets[i]->DeleteRange(stones[i].min_time, stones[i].max_time);
  }
  counters_.chunks_removed.fetch_add(dropped, std::memory_order_relaxed);
  return Status::Ok();
}

}  // namespace tsdbd::tsdb
