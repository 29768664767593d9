// Remote-write receive path on a ~1 MB (decompressed) request of 5000 series like node
// exporter's (7 labels), two samples each: the hand-written zero-copy decoder against
// protobuf's generated classes, alone and with the whole path (snappy, labels, no-op append).
#include <benchmark/benchmark.h>
#include <google/protobuf/arena.h>

#include <memory>
#include <string>
#include <vector>

#include "lib/model/labels.h"
#include "lib/remote/proto/remote.pb.h"
#include "lib/remote/snappy_block.h"
#include "lib/remote/write_handler.h"
#include "lib/remote/write_request_decoder.h"
#include "lib/remote/write_request_encoder.h"
#include "lib/storage/appender.h"

namespace tsdbd::remote {
namespace {

class NoopAppender : public storage::Appender {
 public:
  storage::AppendOutcome Append(storage::SeriesRef ref, const Labels& labels, int64_t,
                                double) override {
    benchmark::DoNotOptimize(labels);
    return {ref != 0 ? ref : 1, storage::AppendStatus::kOk};
  }
  Status Commit() override { return Status::Ok(); }
  void Rollback() override {}
};

class NoopAppendable : public storage::Appendable {
 public:
  std::unique_ptr<storage::Appender> NewAppender() override {
    return std::make_unique<NoopAppender>();
  }
};

struct Corpus {
  std::vector<std::string> strings;  // backing for the request's views
  std::string raw;                   // protobuf bytes
  std::string compressed;
  size_t samples = 0;
};

const Corpus& TheCorpus() {
  static const Corpus corpus = [] {
    Corpus c;
    WriteRequest r;
    c.strings.reserve(100000);
    const int64_t t0 = 1700000000000;
    for (int i = 0; i < 5000; ++i) {
      auto s = [&](std::string v) -> std::string_view { return c.strings.emplace_back(v); };
      const std::vector<LabelRef> labels = {
          {"__name__", s("node_cpu_seconds_total_" + std::to_string(i % 50))},
          {"cpu", s(std::to_string(i % 64))},
          {"env", "production"},
          {"instance", s("host-" + std::to_string(i / 50) + ".example.com:9100")},
          {"job", "node"},
          {"mode", s(i % 2 ? "user" : "system")},
          {"region", "eu-west-1"}};
      const std::vector<Sample> samples = {{12345.67 + i, t0 + i % 1000},
                                           {12346.78 + i, t0 + 15000 + i % 1000}};
      r.AddSeries(labels, samples);
    }
    c.raw = EncodeWriteRequest(r);
    c.compressed = SnappyCompress(c.raw);
    c.samples = r.total_samples();
    return c;
  }();
  return corpus;
}

void Report(benchmark::State& state, const Corpus& c) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.raw.size()));
  state.counters["samples/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * c.samples), benchmark::Counter::kIsRate);
  state.counters["raw_KiB"] = static_cast<double>(c.raw.size()) / 1024;
  state.counters["snappy_KiB"] = static_cast<double>(c.compressed.size()) / 1024;
}

void BM_Decode_HandWritten(benchmark::State& state) {
  const Corpus& c = TheCorpus();
  WriteRequest r;
  for (auto _ : state) {
    Status s = DecodeWriteRequest(c.raw, &r);
    benchmark::DoNotOptimize(s);
  }
  Report(state, c);
}
BENCHMARK(BM_Decode_HandWritten);

void BM_Decode_Protobuf(benchmark::State& state) {
  const Corpus& c = TheCorpus();
  prometheus::WriteRequest r;
  for (auto _ : state) {
    bool ok = r.ParseFromString(c.raw);
    benchmark::DoNotOptimize(ok);
  }
  Report(state, c);
}
BENCHMARK(BM_Decode_Protobuf);

void BM_Decode_ProtobufArena(benchmark::State& state) {
  const Corpus& c = TheCorpus();
  for (auto _ : state) {
    google::protobuf::Arena arena;
    auto* r = google::protobuf::Arena::CreateMessage<prometheus::WriteRequest>(&arena);
    bool ok = r->ParseFromString(c.raw);
    benchmark::DoNotOptimize(ok);
  }
  Report(state, c);
}
BENCHMARK(BM_Decode_ProtobufArena);

// The whole receive path: snappy, decode, labels, append to a no-op storage.
void BM_HandleWrite_HandWritten(benchmark::State& state) {
  const Corpus& c = TheCorpus();
  NoopAppendable db;
  WriteScratch scratch;
  for (auto _ : state) {
    WriteOutcome o =
        HandleWrite(c.compressed, "snappy", "application/x-protobuf", db, {}, &scratch);
    if (o.status != 204) state.SkipWithError(o.body.c_str());
  }
  Report(state, c);
}
BENCHMARK(BM_HandleWrite_HandWritten);

// The same path with protobuf's classes in place of the decoder (labels built the same way).
void BM_HandleWrite_Protobuf(benchmark::State& state) {
  const Corpus& c = TheCorpus();
  NoopAppendable db;
  std::string raw;
  std::vector<LabelPair> pairs;
  SymbolTable& table = SymbolTable::Global();
  for (auto _ : state) {
    if (!SnappyDecompress(c.compressed, 256 << 20, &raw)) state.SkipWithError("snappy");
    google::protobuf::Arena arena;
    auto* r = google::protobuf::Arena::CreateMessage<prometheus::WriteRequest>(&arena);
    if (!r->ParseFromString(raw)) state.SkipWithError("parse");
    auto app = db.NewAppender();
    for (const auto& ts : r->timeseries()) {
      pairs.clear();
      for (const auto& l : ts.labels()) {
        if (!l.value().empty()) pairs.push_back({table.Intern(l.name()), table.Intern(l.value())});
      }
      Labels labels = Labels::FromSortedPairs(pairs);
      storage::SeriesRef ref = 0;
      for (const auto& s : ts.samples())
        ref = app->Append(ref, labels, s.timestamp(), s.value()).ref;
    }
    if (!app->Commit()) state.SkipWithError("commit");
  }
  Report(state, c);
}
BENCHMARK(BM_HandleWrite_Protobuf);

void BM_SnappyDecompress(benchmark::State& state) {
  const Corpus& c = TheCorpus();
  std::string raw;
  for (auto _ : state) {
    Status s = SnappyDecompress(c.compressed, 256 << 20, &raw);
    benchmark::DoNotOptimize(s);
  }
  Report(state, c);
}
BENCHMARK(BM_SnappyDecompress);

}  // namespace
}  // namespace tsdbd::remote
