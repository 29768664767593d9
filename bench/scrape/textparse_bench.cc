// Exposition parsing throughput: bytes/s and samples/s (items) on one core, for a real
// node_exporter body and a synthetic 100k-series body, in both formats; mode 0 reads series
// text and value only (a scrape-cache hit), 1 also fills a LabelsBuilder, 2 also builds
// (interns) the Labels (a cache miss).
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "lib/model/labels.h"
#include "lib/scrape/textparse/parser.h"

namespace tsdbd::scrape::textparse {
namespace {

std::string ReadTestData(const std::string& name) {
  const auto path =
      std::filesystem::path(__FILE__).parent_path() / "../../tests/scrape/testdata" / name;
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// 100k series of a realistic shape: five labels, mixed integer and float values.
std::string Synthetic(bool openmetrics) {
  std::string out;
  out.reserve(16 << 20);
  const char* codes[] = {"200", "404", "500", "503"};
  const char* methods[] = {"GET", "POST"};
  for (int family = 0; family < 100; ++family) {
    const std::string name = "app_requests_" + std::to_string(family) + "_total";
    out += "# HELP " + name + " Requests handled by the application.\n";
    out += "# TYPE " + name + " counter\n";
    for (int i = 0; i < 1000; ++i) {
      out += name + "{method=\"" + methods[i % 2] + "\",handler=\"/api/v1/endpoint" +
             std::to_string(i % 50) + "\",code=\"" + codes[i % 4] + "\",instance=\"host-" +
             std::to_string(i / 50) + ".example.com:9100\",job=\"node\"} ";
      out += (i % 3 == 0) ? std::to_string(i * 7919) : std::to_string(i * 1.37 + 0.5);
      out += "\n";
    }
  }
  if (openmetrics) out += "# EOF\n";
  return out;
}

const std::string& Body(int which) {
  static const std::string bodies[] = {ReadTestData("node_exporter.txt"), Synthetic(false),
                                       Synthetic(true), ReadTestData("python_client.om")};
  return bodies[which];
}

void BM_Parse(benchmark::State& state, int which, Format format) {
  const std::string& body = Body(which);
  const int mode = static_cast<int>(state.range(0));
  LabelsBuilder builder;
  size_t samples = 0;
  for (auto _ : state) {
    auto p = Parser::New(body, format);
    while (true) {
      Result<Entry> e = p->Next();
      if (!e.ok()) {
        state.SkipWithError(e.error().message().c_str());
        return;
      }
      if (*e == Entry::kEOF) break;
      if (*e != Entry::kSeries) continue;
      ++samples;
      benchmark::DoNotOptimize(p->Series());
      benchmark::DoNotOptimize(p->Value());
      if (mode >= 1) p->BuildLabels(builder);
      if (mode >= 2) benchmark::DoNotOptimize(builder.Build());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
  state.SetItemsProcessed(static_cast<int64_t>(samples));
}

BENCHMARK_CAPTURE(BM_Parse, node_exporter_text, 0, Format::kPrometheusText)->DenseRange(0, 2);
BENCHMARK_CAPTURE(BM_Parse, synthetic_100k_text, 1, Format::kPrometheusText)->DenseRange(0, 2);
BENCHMARK_CAPTURE(BM_Parse, synthetic_100k_openmetrics, 2, Format::kOpenMetrics)->DenseRange(0, 2);
BENCHMARK_CAPTURE(BM_Parse, python_client_openmetrics, 3, Format::kOpenMetrics)->DenseRange(0, 2);

}  // namespace
}  // namespace tsdbd::scrape::textparse
