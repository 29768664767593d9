// Prometheus 2.42 as a remote-write sender: it scrapes itself and writes to a small
// loopback listener of this test; the captured requests must decode and be accepted.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "lib/remote/proto/remote.pb.h"
#include "lib/remote/snappy_block.h"
#include "lib/remote/write_handler.h"
#include "lib/remote/write_request_decoder.h"
#include "tests/remote/fake_appendable.h"
#include "tests/testing/process.h"
#include "tests/testing/prometheus_process.h"

namespace tsdbd::remote {
namespace {

struct CapturedRequest {
  std::string request_line;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::optional<std::string> Header(const std::string& name) const {
    for (const auto& [n, v] : headers) {
      if (n == name) return v;
    }
    return std::nullopt;
  }
};

// Accepts one connection at a time on 127.0.0.1, reads one request with a Content-Length
// body, answers 204 and closes. Records each request.
class CaptureServer {
 public:
  CaptureServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::listen(fd_, 16) != 0) {
      ADD_FAILURE() << "cannot listen";
      return;
    }
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }
  ~CaptureServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }
  uint16_t port() const { return port_; }
  std::vector<CapturedRequest> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  void Loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      Serve(c);
      ::close(c);
    }
  }

  void Serve(int c) {
    std::string in;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    size_t header_end = std::string::npos;
    size_t content_length = 0;
    CapturedRequest req;
    while (!stop_ && std::chrono::steady_clock::now() < deadline) {
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[65536];
      const ssize_t n = ::read(c, buf, sizeof(buf));
      if (n <= 0) return;
      in.append(buf, static_cast<size_t>(n));
      if (header_end == std::string::npos) {
        header_end = in.find("\r\n\r\n");
        if (header_end == std::string::npos) continue;
        size_t pos = in.find("\r\n");
        req.request_line = in.substr(0, pos);
        while (pos < header_end) {
          const size_t next = in.find("\r\n", pos + 2);
          const std::string line = in.substr(pos + 2, next - pos - 2);
          const size_t colon = line.find(':');
          if (colon != std::string::npos) {
            std::string name = line.substr(0, colon);
            for (char& ch : name) ch = static_cast<char>(std::tolower(ch));
            std::string value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.erase(0, 1);
            if (name == "content-length") content_length = std::stoul(value);
            req.headers.emplace_back(name, value);
          }
          pos = next;
        }
      }
      if (in.size() >= header_end + 4 + content_length) {
        req.body = in.substr(header_end + 4, content_length);
        const std::string reply = "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
        (void)!::write(c, reply.data(), reply.size());
        std::lock_guard lock(mu_);
        requests_.push_back(std::move(req));
        return;
      }
    }
  }

  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<CapturedRequest> requests_;
};

TEST(PrometheusSenderTest, RealRemoteWriteRequestsDecodeAndAreAccepted) {
  if (!tsdbd::testing::HaveProgram("prometheus")) GTEST_SKIP() << "prometheus not installed";
  CaptureServer receiver;
  ASSERT_NE(receiver.port(), 0);
  tsdbd::testing::TempDir dir;
  const uint16_t web_port = tsdbd::testing::FreePort();
  const std::string self = "127.0.0.1:" + std::to_string(web_port);
  const std::string config =
      "global:\n  scrape_interval: 1s\n"
      "scrape_configs:\n  - job_name: prometheus\n    static_configs:\n      - targets: ['" +
      self +
      "']\n"
      "remote_write:\n  - url: http://127.0.0.1:" +
      std::to_string(receiver.port()) +
      "/api/v1/write\n    queue_config:\n      batch_send_deadline: 1s\n"
      "    metadata_config:\n      send_interval: 1s\n";
  tsdbd::testing::PrometheusProcess prometheus(dir.path() + "/data", config, {}, web_port);

  // Until a request holds a sample of the "up" series.
  auto have_up = [&] {
    for (const CapturedRequest& r : receiver.requests()) {
      std::string raw;
      WriteRequest req;
      if (!SnappyDecompress(r.body, 64 << 20, &raw) || !DecodeWriteRequest(raw, &req)) continue;
      for (const SeriesRef& s : req.series()) {
        for (const LabelRef& l : req.labels(s)) {
          if (l.name == "__name__" && l.value == "up" && s.samples_count > 0) return true;
        }
      }
    }
    return false;
  };
  ASSERT_TRUE(tsdbd::testing::WaitUntil(have_up, std::chrono::seconds(90))) << prometheus.log();
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();

  const std::vector<CapturedRequest> requests = receiver.requests();
  size_t samples = 0, series_with_up = 0;
  for (const CapturedRequest& r : requests) {
    EXPECT_EQ(r.request_line, "POST /api/v1/write HTTP/1.1");
    EXPECT_EQ(r.Header("content-encoding"), "snappy");
    EXPECT_EQ(r.Header("content-type"), "application/x-protobuf");
    EXPECT_EQ(r.Header("x-prometheus-remote-write-version"), "0.1.0");
    ASSERT_TRUE(r.Header("user-agent").has_value());
    EXPECT_EQ(r.Header("user-agent")->rfind("Prometheus/2.42", 0), 0u) << *r.Header("user-agent");

    std::string raw;
    ASSERT_TRUE(SnappyDecompress(r.body, 64 << 20, &raw));
    WriteRequest req;
    Status st = DecodeWriteRequest(raw, &req);
    ASSERT_TRUE(st) << st.message();
    // The generated classes see the same message.
    prometheus::WriteRequest pb;
    ASSERT_TRUE(pb.ParseFromString(raw));
    ASSERT_EQ(static_cast<size_t>(pb.timeseries_size()), req.series().size());
    ASSERT_EQ(static_cast<size_t>(pb.metadata_size()), req.metadata().size());
    for (size_t i = 0; i < req.series().size(); ++i) {
      const SeriesRef& s = req.series()[i];
      auto labels = req.labels(s);
      ASSERT_EQ(labels.size(), static_cast<size_t>(pb.timeseries(i).labels_size()));
      for (size_t j = 0; j < labels.size(); ++j) {
        EXPECT_EQ(labels[j].name, pb.timeseries(i).labels(j).name());
        EXPECT_EQ(labels[j].value, pb.timeseries(i).labels(j).value());
        if (j > 0) {
          EXPECT_LT(labels[j - 1].name, labels[j].name);  // sorted, as the spec says
        }
      }
      std::string_view name, job, instance;
      for (const LabelRef& l : labels) {
        if (l.name == "__name__") name = l.value;
        if (l.name == "job") job = l.value;
        if (l.name == "instance") instance = l.value;
      }
      EXPECT_FALSE(name.empty());
      EXPECT_EQ(job, "prometheus");
      EXPECT_EQ(instance, self);
      if (name == "up") series_with_up++;
      for (const Sample& sample : req.samples(s)) {
        samples++;
        EXPECT_GT(sample.timestamp_ms, now_ms - 5 * 60 * 1000);
        EXPECT_LE(sample.timestamp_ms, now_ms + 1000);
      }
    }
    // And the handler accepts the body as it came.
    testing::FakeAppendable db;
    const WriteOutcome o =
        HandleWrite(r.body, *r.Header("content-encoding"), *r.Header("content-type"), db);
    EXPECT_EQ(o.status, 204) << o.body;
    EXPECT_EQ(db.committed.size(), req.total_samples());
  }
  EXPECT_GT(samples, 0u);
  EXPECT_GT(series_with_up, 0u);
}

}  // namespace
}  // namespace tsdbd::remote
