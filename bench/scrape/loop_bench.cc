// CPU of ingesting one scrape with the series cache warm: parse + label look-up + append to
// a no-op appender (the storage's own cost is measured by the tsdb benches).
#include <benchmark/benchmark.h>

#include <string>

#include "lib/scrape/loop/scrape_ingester.h"

namespace tsdbd::scrape {
namespace {

class NoopAppender : public storage::Appender {
 public:
  storage::AppendOutcome Append(storage::SeriesRef ref, const Labels&, int64_t, double) override {
    return {ref != 0 ? ref : ++next_, storage::AppendStatus::kOk};
  }
  Status Commit() override { return Status::Ok(); }
  void Rollback() override {}

 private:
  storage::SeriesRef next_ = 0;
};

// n series in families of 100, like a large exporter: histogram-ish labels.
std::string Body(int n) {
  std::string b;
  for (int i = 0; i < n; ++i) {
    if (i % 100 == 0) {
      b += "# HELP family_" + std::to_string(i / 100) + "_total Requests handled.\n";
      b += "# TYPE family_" + std::to_string(i / 100) + "_total counter\n";
    }
    b += "family_" + std::to_string(i / 100) +
         "_total{method=\"GET\",code=\"200\",handler=\"/api/v1/" + std::to_string(i % 100) +
         "\"} " + std::to_string(i * 1.5) + "\n";
  }
  return b;
}

void BM_IngestWarm(benchmark::State& state, bool relabel) {
  const int n = static_cast<int>(state.range(0));
  const std::string body = Body(n);
  std::vector<config::RelabelConfig> rules;
  if (relabel) {
    config::RelabelConfig r;
    r.source_labels = {"__name__"};
    r.regex_text = "family_1_total";
    std::string err;
    r.regex = config::CompileAnchoredRegex(r.regex_text, &err);
    r.action = config::RelabelAction::kDrop;
    rules.push_back(r);
  }
  ScrapeIngester ingester(Labels{{"job", "node"}, {"instance", "host:9100"}}, rules, {});
  NoopAppender app;
  IngestCounts counts;
  int64_t t = 1'700'000'000'000;
  (void)ingester.Ingest(app, body, "text/plain; version=0.0.4", t, &counts);  // warm the cache
  for (auto _ : state) {
    t += 15'000;
    Status s = ingester.Ingest(app, body, "text/plain; version=0.0.4", t, &counts);
    if (!s.ok()) state.SkipWithError(s.message().c_str());
    ingester.AppendReport(app, t, {true, 0.01, counts});
    ingester.OnBatchCommitted();
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}

BENCHMARK_CAPTURE(BM_IngestWarm, plain, false)->Arg(10'000)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_IngestWarm, metric_relabel, true)->Arg(10'000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tsdbd::scrape
