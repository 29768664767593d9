// Differential test of the decoder against Prometheus 2.42 as a remote-write receiver:
// mutated request bodies (bytes flipped, cut, inserted) go to both; where Prometheus says the
// body is malformed our decoder must say so in the same words, and where it decodes the
// body so must we.
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "lib/remote/proto/remote.pb.h"
#include "lib/remote/snappy_block.h"
#include "lib/remote/write_request_decoder.h"
#include "tests/testing/http_client.h"
#include "tests/testing/process.h"
#include "tests/testing/prometheus_process.h"

namespace tsdbd::remote {
namespace {

std::string BaseRequest(int64_t now_ms) {
  prometheus::WriteRequest r;
  for (int i = 0; i < 3; ++i) {
    auto* ts = r.add_timeseries();
    auto* l = ts->add_labels();
    l->set_name("__name__");
    l->set_value("diff_metric_" + std::to_string(i));
    l = ts->add_labels();
    l->set_name("job");
    l->set_value("diff");
    auto* s = ts->add_samples();
    s->set_value(1.5 * i);
    s->set_timestamp(now_ms + i);
    auto* e = ts->add_exemplars();
    e->add_labels()->set_name("trace_id");
    e->mutable_labels(0)->set_value("abc");
    e->set_value(2);
    e->set_timestamp(now_ms);
    if (i == 2) {
      auto* h = ts->add_histograms();
      h->set_count_int(4);
      h->set_schema(-1);
      h->add_positive_spans()->set_length(2);
      h->add_positive_deltas(1);
      h->add_positive_deltas(-3);
      h->add_negative_counts(2.5);
      h->set_timestamp(now_ms);
    }
  }
  auto* m = r.add_metadata();
  m->set_type(prometheus::MetricMetadata::COUNTER);
  m->set_metric_family_name("diff_metric_0");
  m->set_help("help text");
  return r.SerializeAsString();
}

bool IsStorageError(const std::string& body) {
  return body == "out of order sample\n" || body == "out of bounds\n" ||
         body == "duplicate sample for timestamp\n";
}

TEST(PrometheusReceiverTest, MalformedBodiesGetTheSameVerdictAndWords) {
  if (!tsdbd::testing::HaveProgram("prometheus")) GTEST_SKIP() << "prometheus not installed";
  tsdbd::testing::TempDir dir;
  tsdbd::testing::PrometheusProcess prometheus(dir.path() + "/data",
                                               "global:\n  scrape_interval: 1h\n",
                                               {"--web.enable-remote-write-receiver"});
  ASSERT_TRUE(prometheus.WaitReady()) << prometheus.log();
  const uint16_t port = prometheus.port();

  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  const std::string base = BaseRequest(now_ms);
  std::mt19937 rng(42);
  int malformed = 0, decoded = 0;
  for (int i = 0; i < 1000; ++i) {
    std::string raw = base;
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < edits && !raw.empty(); ++k) {
      const size_t at = rng() % raw.size();
      switch (rng() % 4) {
        case 0:
          raw[at] = static_cast<char>(rng());
          break;
        case 1:
          raw[at] = static_cast<char>(raw[at] ^ (1 << (rng() % 8)));
          break;
        case 2:
          raw.resize(at);
          break;
        case 3:
          raw.insert(at, 1, static_cast<char>(rng()));
          break;
      }
    }
    tsdbd::testing::HttpRequest req;
    req.method = "POST";
    req.target = "/api/v1/write";
    req.headers = {{"Content-Encoding", "snappy"}, {"Content-Type", "application/x-protobuf"}};
    req.body = SnappyCompress(raw);
    const tsdbd::testing::HttpResponse resp = tsdbd::testing::Fetch(port, req);
    ASSERT_NE(resp.status, 0);

    WriteRequest ours;
    const Status st = DecodeWriteRequest(raw, &ours);
    const bool theirs_malformed = resp.status == 400 && !IsStorageError(resp.body);
    SCOPED_TRACE(::testing::PrintToString(raw));
    if (theirs_malformed) {
      malformed++;
      ASSERT_FALSE(st) << "Prometheus: " << resp.body;
      EXPECT_EQ(st.message() + "\n", resp.body);
    } else {
      decoded++;
      ASSERT_TRUE(st) << st.message() << " / Prometheus: " << resp.status << " " << resp.body;
    }
  }
  // Both kinds of outcome were exercised.
  EXPECT_GT(malformed, 200);
  EXPECT_GT(decoded, 50);
}

}  // namespace
}  // namespace tsdbd::remote
