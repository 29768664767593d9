// Parsing typical Grafana dashboard queries: ns per query (ParseExpr, including type
// checking and regex compilation) and ns per canonical print.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "lib/promql/parser.h"
#include "lib/promql/printer.h"

namespace {

const std::vector<std::string>& Queries() {
  static const std::vector<std::string> q = {
      R"(sum by (job) (rate(http_requests_total{job="api"}[5m])))",
      R"(histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{job=~"api|web"}[5m]))))",
      R"(100 - (avg by (instance) (irate(node_cpu_seconds_total{mode="idle"}[5m])) * 100))",
      R"(node_memory_MemAvailable_bytes{instance="$node"} / node_memory_MemTotal_bytes{instance="$node"} * 100)",
      R"(sum(rate(http_requests_total{code=~"5.."}[5m])) by (service) / sum(rate(http_requests_total[5m])) by (service) > 0.05)",
      R"(topk(10, sum without (instance) (container_memory_working_set_bytes{namespace="default",container!=""})))",
      R"(predict_linear(node_filesystem_free_bytes{fstype!~"tmpfs|overlay"}[1h], 4 * 3600) < 0)",
      R"(max_over_time(rate(x[1m])[10m:30s] offset 1d) / on (job) group_left (team) job_info)",
  };
  return q;
}

void BM_ParseGrafanaQuery(benchmark::State& state) {
  const auto& queries = Queries();
  size_t i = 0;
  for (auto _ : state) {
    auto r = tsdbd::promql::ParseExpr(queries[i++ % queries.size()]);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseGrafanaQuery);

void BM_FormatGrafanaQuery(benchmark::State& state) {
  std::vector<tsdbd::promql::ExprPtr> exprs;
  for (const auto& q : Queries()) exprs.push_back(tsdbd::promql::ParseExpr(q).value());
  size_t i = 0;
  for (auto _ : state) {
    std::string s = tsdbd::promql::Format(*exprs[i++ % exprs.size()]);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FormatGrafanaQuery);

}  // namespace
