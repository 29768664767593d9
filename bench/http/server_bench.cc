// The HTTP layer's costs: routing, compression, and requests over a loopback keep-alive
// connection (client and server on the same two cores, so a floor, not a capacity).
#include <benchmark/benchmark.h>

#include "lib/http/compression.h"
#include "lib/http/router.h"
#include "lib/http/server.h"
#include "tests/http/test_client.h"

namespace tsdbd::http {
namespace {

Router ApiLikeRouter() {
  Router r;
  Handler ok = [](const Request&, Reply reply) {
    Response resp;
    resp.content_type = "application/json";
    resp.body = "{\"status\":\"success\",\"data\":[]}";
    reply(std::move(resp));
  };
  for (const char* p : {"/query",
                        "/query_range",
                        "/query_exemplars",
                        "/format_query",
                        "/series",
                        "/labels",
                        "/label/:name/values",
                        "/targets",
                        "/targets/metadata",
                        "/metadata",
                        "/alertmanagers",
                        "/alerts",
                        "/rules",
                        "/status/config",
                        "/status/runtimeinfo",
                        "/status/buildinfo",
                        "/status/flags",
                        "/status/tsdb",
                        "/status/walreplay",
                        "/read",
                        "/write",
                        "/admin/tsdb/delete_series",
                        "/admin/tsdb/clean_tombstones",
                        "/admin/tsdb/snapshot"}) {
    std::string path = std::string("/api/v1") + p;
    r.Add("GET", path, path, ok);
    r.Add("POST", path, path, ok);
  }
  return r;
}

void BM_RouterFind(benchmark::State& state) {
  Router r = ApiLikeRouter();
  for (auto _ : state) {
    benchmark::DoNotOptimize(r.Find("GET", "/api/v1/label/job/values"));
    benchmark::DoNotOptimize(r.Find("POST", "/api/v1/query_range"));
  }
  state.SetItemsProcessed(state.iterations() * 2);
}
BENCHMARK(BM_RouterFind);

void BM_GzipQueryResult(benchmark::State& state) {
  std::string body = "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[";
  for (int s = 0; body.size() < static_cast<size_t>(state.range(0)); ++s) {
    body += "{\"metric\":{\"__name__\":\"node_cpu_seconds_total\",\"cpu\":\"" +
            std::to_string(s % 64) + "\",\"mode\":\"idle\"},\"values\":[[1700000000," +
            std::to_string(s * 1.5) + "]]},";
  }
  for (auto _ : state) benchmark::DoNotOptimize(Compress(body, ContentCoding::kGzip));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_GzipQueryResult)->Arg(4 << 10)->Arg(1 << 20);

void BM_KeepAliveRequests(benchmark::State& state) {
  ServerOptions options;
  options.listen_address = "127.0.0.1:0";
  Server server(options, ApiLikeRouter());
  if (!server.Start().ok()) {
    state.SkipWithError("cannot listen");
    return;
  }
  testing::TestConnection c(server.port());
  const std::string request =
      state.range(0) ? "GET /api/v1/labels HTTP/1.1\r\nHost: b\r\nAccept-Encoding: gzip\r\n\r\n"
                     : "GET /api/v1/labels HTTP/1.1\r\nHost: b\r\n\r\n";
  for (auto _ : state) {
    if (!c.Send(request) || !c.Read()) {
      state.SkipWithError("request failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_KeepAliveRequests)->Arg(0)->Arg(1)->UseRealTime();

}  // namespace
}  // namespace tsdbd::http
