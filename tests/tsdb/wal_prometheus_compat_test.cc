// Compatibility with the real Prometheus 2.42 binary, both ways:
//  (a) Prometheus writes a WAL (scraping itself), is killed with SIGKILL, and our reader
//      decodes every record of it;
//  (b) we write a WAL into an otherwise empty data directory, Prometheus replays it, and
//      its query API returns our samples.
// Skipped when `prometheus` is not installed.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fmt/format.h"
#include "lib/tsdb/record/decoder.h"
#include "lib/tsdb/record/encoder.h"
#include "lib/tsdb/wal/checkpoint.h"
#include "lib/tsdb/wal/reader.h"
#include "tests/testing/process.h"
#include "lib/tsdb/wal/segments.h"
#include "lib/tsdb/wal/wal.h"
#include "tests/tsdb/wal_test_util.h"

extern char** environ;

namespace tsdbd::tsdb::wal {
namespace {

using namespace std::chrono_literals;
namespace rec = tsdbd::tsdb::record;
using testing::ReadFileBytes;
using testing::TempDir;
using testing::WriteFileBytes;

std::optional<std::string> FindPrometheus() {
  for (const char* p : {"/usr/bin/prometheus", "/usr/local/bin/prometheus"}) {
    if (::access(p, X_OK) == 0) return std::string(p);
  }
  return std::nullopt;
}

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// A child process, SIGKILLed and reaped on destruction unless stopped before.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_path) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    if (posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
  }
  ~ChildProcess() { Stop(SIGKILL); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }
  bool running() {
    if (pid_ <= 0) return false;
    int status;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    return true;
  }
  // Sends sig and waits for the process to exit.
  void Stop(int sig) {
    if (pid_ <= 0) return;
    ::kill(pid_, sig);
    int status;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

// GET http://127.0.0.1:port/path; the body when the status is 200.
std::optional<std::string> HttpGet(int port, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string resp;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
      char buf[4096];
      for (int i = 0; i < 10000; ++i) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        resp.append(buf, static_cast<size_t>(n));
      }
    }
  }
  ::close(fd);
  if (!resp.starts_with("HTTP/1.0 200") && !resp.starts_with("HTTP/1.1 200")) {
    return std::nullopt;
  }
  size_t body = resp.find("\r\n\r\n");
  return body == std::string::npos ? std::string() : resp.substr(body + 4);
}

// Polls cond until it holds or the deadline passes.
bool WaitFor(const std::function<bool()>& cond, std::chrono::seconds deadline) {
  return tsdbd::testing::WaitUntil(cond, deadline);
}

std::string Label(const rec::RefSeries& s, const std::string& name) {
  for (const auto& l : s.labels) {
    if (l.name == name) return l.value;
  }
  return "";
}

struct DecodedWal {
  std::map<uint64_t, rec::RefSeries> series;
  std::vector<rec::RefSample> samples;
  int samples_records = 0;
  int other_records = 0;
  std::optional<Corruption> corruption;
  std::string error;
};

DecodedWal DecodeWalDir(const std::string& dir) {
  DecodedWal out;
  auto segs = ListSegments(dir);
  if (!segs.ok()) {
    out.error = segs.error().message();
    return out;
  }
  Reader r(*segs);
  std::vector<rec::RefSeries> series;
  while (r.Next()) {
    switch (rec::RecordType(r.record())) {
      case rec::Type::kSeries:
        series.clear();
        if (Status s = rec::DecodeSeries(r.record(), &series); !s.ok()) out.error = s.message();
        for (auto& s : series) out.series[s.ref] = s;
        break;
      case rec::Type::kSamples:
        ++out.samples_records;
        if (Status s = rec::DecodeSamples(r.record(), &out.samples); !s.ok()) {
          out.error = s.message();
        }
        break;
      default:
        ++out.other_records;
    }
  }
  out.corruption = r.corruption();
  if (!r.corruption() && !r.status().ok()) out.error = r.status().message();
  return out;
}

TEST(WalPrometheusCompatTest, ReadsTheWalPrometheusWrote) {
  auto prom = FindPrometheus();
  if (!prom) GTEST_SKIP() << "prometheus is not installed";
  TempDir tmp;
  const int port = FreePort();
  WriteFileBytes(tmp / "prometheus.yml", fmt::format(R"(global:
  scrape_interval: 1s
scrape_configs:
  - job_name: self
    static_configs:
      - targets: ['127.0.0.1:{}']
)",
                                                     port));
  const std::string data = tmp / "data";
  ChildProcess p({*prom, "--config.file=" + (tmp / "prometheus.yml"), "--storage.tsdb.path=" + data,
                  fmt::format("--web.listen-address=127.0.0.1:{}", port)},
                 tmp / "prometheus.log");
  ASSERT_TRUE(p.started());
  // Three scrapes ingested: up{job="self"} has a count_over_time of 3.
  bool ingested = WaitFor(
      [&] {
        auto body =
            HttpGet(port, "/api/v1/query?query=count_over_time(up%7Bjob%3D%22self%22%7D%5B1m%5D)");
        return body && (body->find("\"3\"]") != std::string::npos ||
                        body->find("\"4\"]") != std::string::npos ||
                        body->find("\"5\"]") != std::string::npos);
      },
      60s);
  ASSERT_TRUE(ingested) << ReadFileBytes(tmp / "prometheus.log");
  // No clean shutdown: the samples must come from the WAL alone.
  p.Stop(SIGKILL);

  const std::string wal_dir = data + "/wal";
  auto segs = ListSegments(wal_dir);
  ASSERT_TRUE(segs.ok());
  ASSERT_FALSE(segs->empty());
  // Prometheus 2.42 compresses by default: its first record (a series record) is flagged.
  std::string first = ReadFileBytes(segs->front().path);
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(static_cast<uint8_t>(first[0]) & kSnappyFlag, kSnappyFlag);

  DecodedWal wal = DecodeWalDir(wal_dir);
  EXPECT_EQ(wal.error, "");
  if (wal.corruption) {
    // Only a torn tail of the last segment is acceptable after SIGKILL.
    EXPECT_EQ(wal.corruption->segment, segs->back().index) << FormatCorruption(*wal.corruption);
  }
  const rec::RefSeries* up = nullptr;
  for (const auto& [ref, s] : wal.series) {
    if (Label(s, "__name__") == "up") up = &s;
  }
  ASSERT_NE(up, nullptr) << wal.series.size() << " series decoded";
  EXPECT_EQ(Label(*up, "job"), "self");
  EXPECT_EQ(Label(*up, "instance"), fmt::format("127.0.0.1:{}", port));
  EXPECT_GT(wal.series.size(), 100u);  // Prometheus exposes hundreds of its own series
  EXPECT_GE(wal.samples_records, 3);
  int up_samples = 0;
  auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  for (const rec::RefSample& s : wal.samples) {
    ASSERT_TRUE(wal.series.contains(s.ref)) << "sample of unknown series " << s.ref;
    EXPECT_GT(s.t, now_ms - 10 * 60 * 1000);
    EXPECT_LT(s.t, now_ms + 60 * 1000);
    if (s.ref == up->ref) {
      ++up_samples;
      EXPECT_EQ(s.v, 1.0);
    }
  }
  EXPECT_GE(up_samples, 3);
}

TEST(WalPrometheusCompatTest, PrometheusReplaysTheWalWeWrote) {
  auto prom = FindPrometheus();
  if (!prom) GTEST_SKIP() << "prometheus is not installed";
  TempDir tmp;
  const std::string data = tmp / "data";
  const std::string wal_dir = data + "/wal";
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  const int64_t base = now_ms - 55 * 60 * 1000;  // within the last hour
  constexpr int kDense = 6000;  // samples of series 3, 500ms apart: a multi-page record

  auto value = [](uint64_t ref, int i) {
    // Series 3 gets noisy values so that its record stays large once compressed.
    return ref == 3 ? 3000 + std::sin(i) * 100 : static_cast<double>(ref) * 1000 + i * 0.25;
  };
  std::vector<rec::RefSeries> series;
  for (uint64_t ref = 1; ref <= 3; ++ref) {
    series.push_back(
        {ref,
         {{"__name__", "tsdbd_wal_compat"}, {"idx", std::to_string(ref)}, {"job", "walwriter"}}});
  }
  {
    // Segment 0: the series and the first samples, ending in a partial page.
    WalOptions opts;  // defaults: 128 MiB segments, snappy
    auto w = Wal::Open(wal_dir, opts);
    ASSERT_TRUE(w.ok()) << w.error().message();
    std::string srec;
    rec::EncodeSeries(series, &srec);
    std::vector<rec::RefSample> first;
    for (uint64_t ref = 1; ref <= 2; ++ref) first.push_back({ref, base, value(ref, 0)});
    std::string frec;
    rec::EncodeSamples(first, &frec);
    auto seq = (*w)->Log({srec, frec});
    ASSERT_TRUE(seq.ok());
    ASSERT_TRUE((*w)->WaitDurable(*seq).ok());
  }
  {
    // Segment 1 (a reopen starts a new one): more samples, one record over several pages.
    auto w = Wal::Open(wal_dir, WalOptions{});
    ASSERT_TRUE(w.ok());
    std::vector<std::string> recs;
    for (int i = 1; i < 10; ++i) {
      std::vector<rec::RefSample> batch;
      for (uint64_t ref = 1; ref <= 2; ++ref)
        batch.push_back({ref, base + i * 15000, value(ref, i)});
      recs.emplace_back();
      rec::EncodeSamples(batch, &recs.back());
    }
    std::vector<rec::RefSample> dense;
    for (int i = 0; i < kDense; ++i) dense.push_back({3, base + i * 500 + (i % 7), value(3, i)});
    recs.emplace_back();
    rec::EncodeSamples(dense, &recs.back());
    ASSERT_GT(recs.back().size(), 2 * kPageSize);
    std::vector<std::string_view> views(recs.begin(), recs.end());
    auto seq = (*w)->Log(views);
    ASSERT_TRUE(seq.ok());
    ASSERT_TRUE((*w)->Close().ok());
  }
  // The big record is compressed and continues on the second page of segment 1.
  std::string seg1 = ReadFileBytes(wal_dir + "/00000001");
  ASSERT_GT(seg1.size(), kPageSize + 7);
  EXPECT_TRUE(seg1[kPageSize] == (3 | kSnappyFlag) || seg1[kPageSize] == (4 | kSnappyFlag))
      << int(seg1[kPageSize]);
  // Nothing but wal/ in the data directory.
  ASSERT_EQ(std::distance(std::filesystem::directory_iterator(data), {}), 1);

  const int port = FreePort();
  WriteFileBytes(tmp / "prometheus.yml", "global:\n  scrape_interval: 1m\n");
  ChildProcess p({*prom, "--config.file=" + (tmp / "prometheus.yml"), "--storage.tsdb.path=" + data,
                  fmt::format("--web.listen-address=127.0.0.1:{}", port)},
                 tmp / "prometheus.log");
  ASSERT_TRUE(p.started());
  ASSERT_TRUE(WaitFor([&] { return HttpGet(port, "/-/ready").has_value(); }, 60s))
      << ReadFileBytes(tmp / "prometheus.log");

  auto query_at = [&](const std::string& selector, int64_t t_ms) {
    std::string path =
        fmt::format("/api/v1/query?query={}&time={}.{:03d}", selector, t_ms / 1000, t_ms % 1000);
    return HttpGet(port, path).value_or("<request failed>");
  };
  auto expect_value = [&](uint64_t ref, int64_t t_ms, double v) {
    std::string body = query_at(fmt::format("tsdbd_wal_compat%7Bidx%3D%22{}%22%7D", ref), t_ms);
    std::string want = fmt::format("[{}.{:03d},\"{}\"]", t_ms / 1000, t_ms % 1000, v);
    EXPECT_NE(body.find(want), std::string::npos) << "want " << want << " in " << body;
    EXPECT_NE(body.find("\"job\":\"walwriter\""), std::string::npos) << body;
  };
  for (int i = 0; i < 10; ++i) {
    expect_value(1, base + i * 15000, value(1, i));
    expect_value(2, base + i * 15000, value(2, i));
  }
  for (int i : {0, 1, 1234, kDense - 1}) expect_value(3, base + i * 500 + (i % 7), value(3, i));
  // All 3000 samples of the big record arrived.
  std::string count = query_at("count_over_time(tsdbd_wal_compat%7Bidx%3D%223%22%7D%5B1h%5D)",
                               base + (kDense - 1) * 500 + 10);
  EXPECT_NE(count.find(fmt::format("\"{}\"]", kDense)), std::string::npos) << count;

  std::string log = ReadFileBytes(tmp / "prometheus.log");
  EXPECT_EQ(log.find("corrupt"), std::string::npos) << log;
  EXPECT_NE(log.find("WAL replay completed"), std::string::npos) << log;
}

}  // namespace
}  // namespace tsdbd::tsdb::wal

namespace tsdbd::tsdb::wal {
namespace {

TEST(WalPrometheusCompatTest, PrometheusReplaysOurCheckpointThenLaterSegments) {
  auto prom = FindPrometheus();
  if (!prom) GTEST_SKIP() << "prometheus is not installed";
  TempDir tmp;
  const std::string data = tmp / "data";
  const std::string wal_dir = data + "/wal";
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  const int64_t base = now_ms - 30 * 60 * 1000;
  {
    auto w = Wal::Open(wal_dir, WalOptions{});
    ASSERT_TRUE(w.ok());
    std::string r;
    rec::EncodeSeries(std::vector<rec::RefSeries>{{7, {{"__name__", "tsdbd_cp"}, {"k", "live"}}},
                                                  {8, {{"__name__", "tsdbd_cp"}, {"k", "gone"}}}},
                      &r);
    ASSERT_TRUE((*w)->Log({r}).ok());
    for (int i = 0; i < 20; ++i) {
      r.clear();
      rec::EncodeSamples(std::vector<rec::RefSample>{{7, base + i * 10000, 100.0 + i},
                                                     {8, base + i * 10000, 200.0 + i}},
                         &r);
      ASSERT_TRUE((*w)->Log({r}).ok());
      if (i == 9) {  // samples 10.. go to segment 1
        ASSERT_TRUE((*w)->NextSegment().ok());
      }
    }
    ASSERT_TRUE((*w)->Close().ok());
  }
  // Checkpoint segment 0 keeping series 7 only, then drop segment 0 as the head would.
  auto stats = Checkpoint(
      wal_dir, 0, 0, [](uint64_t ref) { return ref == 7; }, 0);
  ASSERT_TRUE(stats.ok()) << stats.error().message();
  ASSERT_TRUE(std::filesystem::remove(wal_dir + "/00000000"));

  const int port = FreePort();
  WriteFileBytes(tmp / "prometheus.yml", "global:\n  scrape_interval: 1m\n");
  ChildProcess p({*prom, "--config.file=" + (tmp / "prometheus.yml"), "--storage.tsdb.path=" + data,
                  fmt::format("--web.listen-address=127.0.0.1:{}", port)},
                 tmp / "prometheus.log");
  ASSERT_TRUE(p.started());
  ASSERT_TRUE(WaitFor([&] { return HttpGet(port, "/-/ready").has_value(); }, 60s))
      << ReadFileBytes(tmp / "prometheus.log");
  auto body = HttpGet(port, fmt::format("/api/v1/query?query=count_over_time(tsdbd_cp%5B1h%5D)"
                                        "&time={}.{:03d}",
                                        (base + 200000) / 1000, (base + 200000) % 1000))
                  .value_or("<request failed>");
  // Series 7: 10 samples from the checkpoint + 10 from segment 1. Series 8 was dropped by the
  // checkpoint, so its later samples have no series and Prometheus skips them.
  EXPECT_NE(body.find("\"k\":\"live\""), std::string::npos) << body;
  EXPECT_NE(body.find("\"20\"]"), std::string::npos) << body;
  EXPECT_EQ(body.find("\"k\":\"gone\""), std::string::npos) << body;
  std::string log = ReadFileBytes(tmp / "prometheus.log");
  EXPECT_NE(log.find("WAL checkpoint loaded"), std::string::npos) << log;
  EXPECT_EQ(log.find("corrupt"), std::string::npos) << log;
}

}  // namespace
}  // namespace tsdbd::tsdb::wal
