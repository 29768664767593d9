// A scrape-target load generator: one process serving T targets on 127.0.0.1 (ports
// base-port .. base-port+T-1), each exposing S series in text format 0.0.4 — counters
// (http_requests_total{method,endpoint,status}), gauges and histograms (le buckets, _sum,
// _count) with HELP and TYPE. Every scrape of a target moves its values deterministically.
//
// It has to cost far less CPU than the servers it feeds, so each target's body is rendered
// once with fixed-width value fields (blank-padded: the format allows any number of blanks
// between tokens) and a scrape only rewrites the digits in place; serving is one thread on
// epoll with keep-alive connections and no per-request allocation beyond the socket buffer.
//
//   loadgen --targets=T --series=S --base-port=P [--duration=1h] [--churn=N]
//
// --churn=N replaces about N series per minute over all targets: the `pod` label of one
// metric object (a counter, a gauge, or a whole histogram) rotates to a new value.
// GET /stats on any target port answers JSON with the generator's own CPU (getrusage); the
// same figures go to stderr at exit (SIGTERM, SIGINT, or the --duration cap).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/model/duration.h"
#include "lib/model/result.h"

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kValueWidth = 12;  // blank-padded field holding one sample value (< 1e12)
constexpr int kPodWidth = 8;     // hex digits of the churning pod label
constexpr int kBuckets = 10;     // histogram buckets, +Inf included
constexpr const char* kLe[kBuckets] = {"0.005", "0.01", "0.025", "0.05", "0.1",
                                       "0.25",  "0.5",  "1",     "2.5",  "+Inf"};
// Cumulative share (in 1/16) of each scrape's observations at or below each bound.
constexpr int kCumulative[kBuckets] = {1, 2, 4, 6, 9, 12, 14, 15, 16, 16};
constexpr int kSeriesPerHistogram = kBuckets + 2;

struct Options {
  int targets = 10;
  int series = 1000;
  int base_port = 0;
  int64_t duration_ms = 3'600'000;
  double churn_per_minute = 0;
};

// What a scrape rewrites: where each value lives in the body and how it moves.
enum class Kind : uint8_t { kCounter, kGauge, kBucket, kSum, kCount };
struct Slot {
  uint32_t offset;  // of the kValueWidth-wide value field in the body
  uint32_t object;  // index of the metric object this series belongs to
  Kind kind;
  uint8_t bucket;  // for kBucket
};

// One target: its body and the slots to rewrite.
struct Target {
  int fd = -1;
  uint16_t port = 0;
  std::string body;
  std::vector<Slot> slots;
  std::vector<uint32_t> pod_offsets;  // offset of each object's pod label value, per line
  std::vector<uint32_t> pod_object;   // the object each pod_offsets entry belongs to
  uint32_t objects = 0;
  uint64_t scrapes = 0;
  uint64_t churn_events = 0;  // object replacements applied so far
  int in_flight = 0;          // responses still being written; the body is frozen meanwhile
};

struct Connection {
  int fd = -1;
  Target* target = nullptr;
  std::string in;          // bytes read and not yet parsed
  std::string head;        // response status line and headers
  std::string_view body;   // response body (points into Target::body or stats_)
  std::string owned_body;  // storage for bodies that are not a target's (/stats, 404)
  size_t written = 0;      // of head + body
  bool writing = false;
  bool close_after = false;
};

struct Stats {
  uint64_t scrapes = 0;
  uint64_t bytes = 0;
  uint64_t requests = 0;
  uint64_t series_replaced = 0;
};

tsdbd::Result<int64_t> ParseInt(std::string_view s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0) {
    return tsdbd::Error("not a non-negative integer: \"" + std::string(s) + "\"");
  }
  return v;
}

// Accepts 10k, 100k, 1M as well as plain numbers.
tsdbd::Result<int64_t> ParseCount(std::string_view s) {
  int64_t mult = 1;
  if (!s.empty() && (s.back() == 'k' || s.back() == 'K')) mult = 1000;
  if (!s.empty() && s.back() == 'M') mult = 1'000'000;
  if (mult != 1) s.remove_suffix(1);
  auto v = ParseInt(s);
  if (!v.ok()) return v;
  return *v * mult;
}

tsdbd::Result<Options> ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    size_t eq = arg.find('=');
    if (arg.substr(0, 2) != "--" || eq == std::string_view::npos) {
      return tsdbd::Error("expected --flag=value, got \"" + std::string(arg) + "\"");
    }
    std::string_view name = arg.substr(2, eq - 2);
    std::string_view value = arg.substr(eq + 1);
    if (name == "duration") {
      auto d = tsdbd::ParseDuration(value);
      if (!d.ok()) return d.error();
      o.duration_ms = d->count();
      continue;
    }
    if (name == "churn") {
      auto v = ParseCount(value);
      if (!v.ok()) return v.error();
      o.churn_per_minute = static_cast<double>(*v);
      continue;
    }
    auto v = ParseCount(value);
    if (!v.ok()) return v.error();
    if (name == "targets") {
      o.targets = static_cast<int>(*v);
    } else if (name == "series") {
      o.series = static_cast<int>(*v);
    } else if (name == "base-port") {
      o.base_port = static_cast<int>(*v);
    } else {
      return tsdbd::Error("unknown flag --" + std::string(name));
    }
  }
  if (o.targets < 1 || o.targets > 10'000) return tsdbd::Error("--targets must be 1..10000");
  if (o.series < 1 || o.series > 50'000'000) return tsdbd::Error("--series must be >= 1");
  if (o.base_port < 1 || o.base_port + o.targets - 1 > 65535) {
    return tsdbd::Error("--base-port is required and the port range must fit below 65536");
  }
  if (o.duration_ms <= 0) return tsdbd::Error("--duration must be positive");
  return o;
}

// Writes `v` right-aligned into the kValueWidth field at `dst`.
void PutInt(char* dst, uint64_t v) {
  v %= 1'000'000'000'000;  // kValueWidth digits; a wrap reads as a counter reset, never overflows
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  (void)ec;
  size_t n = end - buf;
  std::memset(dst, ' ', kValueWidth - n);
  std::memcpy(dst + kValueWidth - n, buf, n);
}

void PutFixed3(char* dst, uint64_t thousandths) {  // "123.456"
  thousandths %= 100'000'000'000;                  // 8 + 1 + 3 characters at most
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + 24, thousandths / 1000);
  (void)ec;
  uint64_t frac = thousandths % 1000;
  *end++ = '.';
  *end++ = static_cast<char>('0' + frac / 100);
  *end++ = static_cast<char>('0' + frac / 10 % 10);
  *end++ = static_cast<char>('0' + frac % 10);
  size_t n = end - buf;
  std::memset(dst, ' ', kValueWidth - n);
  std::memcpy(dst + kValueWidth - n, buf, n);
}

void PutPod(char* dst, uint64_t generation) {
  static const char kHex[] = "0123456789abcdef";
  for (int i = kPodWidth - 1; i >= 0; --i) {
    dst[i] = kHex[generation & 15];
    generation >>= 4;
  }
}

// Builds one target's body: the mix is ~50% counters, ~20% gauges, ~30% histogram series.
void Render(Target& t, int target_index, int series) {
  const int histograms = series * 3 / 10 / kSeriesPerHistogram;
  const int gauges = series * 2 / 10;
  const int counters = series - histograms * kSeriesPerHistogram - gauges;
  static const char* kMethods[] = {"GET", "POST", "PUT", "DELETE"};
  static const char* kStatus[] = {"200", "201", "400", "404", "500"};
  std::string& b = t.body;
  b.reserve(static_cast<size_t>(series) * 110);
  uint32_t object = 0;
  char pod_prefix[32];
  std::snprintf(pod_prefix, sizeof(pod_prefix), "pod=\"t%d-", target_index);
  auto add_pod = [&]() {
    b += pod_prefix;
    t.pod_offsets.push_back(static_cast<uint32_t>(b.size()));
    t.pod_object.push_back(object);
    b.append(kPodWidth, '0');
    b += '"';
  };
  auto add_value = [&](Kind kind, int bucket) {
    b += '}';
    t.slots.push_back(
        {static_cast<uint32_t>(b.size()), object, kind, static_cast<uint8_t>(bucket)});
    b.append(kValueWidth, ' ');
    b += '\n';
  };
  if (counters > 0) {
    b += "# HELP http_requests_total Requests handled, by method, endpoint and status.\n";
    b += "# TYPE http_requests_total counter\n";
  }
  for (int i = 0; i < counters; ++i, ++object) {
    char line[160];
    std::snprintf(line, sizeof(line),
                  "http_requests_total{method=\"%s\",endpoint=\"/api/v1/e%d\",status=\"%s\",",
                  kMethods[i % 4], i / 20, kStatus[i / 4 % 5]);
    b += line;
    add_pod();
    add_value(Kind::kCounter, 0);
  }
  if (gauges > 0) {
    b += "# HELP worker_queue_depth Jobs waiting in each queue.\n";
    b += "# TYPE worker_queue_depth gauge\n";
  }
  for (int i = 0; i < gauges; ++i, ++object) {
    char line[96];
    std::snprintf(line, sizeof(line), "worker_queue_depth{queue=\"q%d\",", i);
    b += line;
    add_pod();
    add_value(Kind::kGauge, 0);
  }
  if (histograms > 0) {
    b += "# HELP http_request_duration_seconds Request latency.\n";
    b += "# TYPE http_request_duration_seconds histogram\n";
  }
  for (int i = 0; i < histograms; ++i, ++object) {
    char labels[96];
    std::snprintf(labels, sizeof(labels), "endpoint=\"/api/v1/e%d\",", i);
    for (int k = 0; k < kBuckets; ++k) {
      b += "http_request_duration_seconds_bucket{";
      b += labels;
      b += "le=\"";
      b += kLe[k];
      b += "\",";
      add_pod();
      add_value(Kind::kBucket, k);
    }
    b += "http_request_duration_seconds_sum{";
    b += labels;
    add_pod();
    add_value(Kind::kSum, 0);
    b += "http_request_duration_seconds_count{";
    b += labels;
    add_pod();
    add_value(Kind::kCount, 0);
  }
  t.objects = object;
}

// Moves every value of `t` to its state after scrape number `n` (1-based).
void Advance(Target& t, uint64_t n) {
  char* b = t.body.data();
  for (const Slot& s : t.slots) {
    const uint64_t o = s.object;
    switch (s.kind) {
      case Kind::kCounter:
        PutInt(b + s.offset, o * 13 + n * (1 + o % 7));
        break;
      case Kind::kGauge:
        PutInt(b + s.offset, (o * 31 + n * 7) % 1000);
        break;
      case Kind::kBucket:
        PutInt(b + s.offset, n * (1 + o % 5) * kCumulative[s.bucket]);
        break;
      case Kind::kSum:  // about 0.12 s per observation
        PutFixed3(b + s.offset, n * (1 + o % 5) * 16 * 120);
        break;
      case Kind::kCount:
        PutInt(b + s.offset, n * (1 + o % 5) * 16);
        break;
    }
  }
}

// Rewrites the pod labels so that `replaced` object replacements have happened on `t`, in
// round-robin order over its objects. Returns the number of series whose pod changed.
uint64_t Churn(Target& t, uint64_t replaced, uint64_t previous) {
  if (replaced == previous || t.objects == 0) return 0;
  char* b = t.body.data();
  uint64_t changed = 0;
  for (size_t i = 0; i < t.pod_offsets.size(); ++i) {
    const uint64_t obj = t.pod_object[i];
    // Object `obj` has been replaced once for every event number e < replaced, e % objects == obj.
    const uint64_t gen = replaced > obj ? (replaced - obj - 1) / t.objects + 1 : 0;
    const uint64_t old = previous > obj ? (previous - obj - 1) / t.objects + 1 : 0;
    if (gen != old) {
      PutPod(b + t.pod_offsets[i], gen);
      ++changed;
    }
  }
  return changed;
}

double Seconds(const timeval& tv) {
  return tv.tv_sec + tv.tv_usec / 1e6;
}

std::string StatsJson(const Options& o, const Stats& st, Clock::time_point start) {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const double uptime = std::chrono::duration<double>(Clock::now() - start).count();
  char buf[512];
  std::snprintf(buf, sizeof(buf),
                "{\"targets\":%d,\"series_per_target\":%d,\"uptime_seconds\":%.3f,"
                "\"cpu_user_seconds\":%.3f,\"cpu_system_seconds\":%.3f,"
                "\"max_rss_kib\":%ld,\"scrapes\":%" PRIu64 ",\"requests\":%" PRIu64
                ",\"bytes_served\":%" PRIu64 ",\"series_replaced\":%" PRIu64 "}\n",
                o.targets, o.series, uptime, Seconds(ru.ru_utime), Seconds(ru.ru_stime),
                ru.ru_maxrss, st.scrapes, st.requests, st.bytes, st.series_replaced);
  return buf;
}

tsdbd::Result<int> Listen(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return tsdbd::Error(std::string("socket: ") + std::strerror(errno));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd, 128) != 0) {
    std::string msg = "listen on 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(errno);
    close(fd);
    return tsdbd::Error(msg);
  }
  return fd;
}

// The event loop: owns the listening sockets, the connections and the signal fd.
class Server {
 public:
  Server(Options o, std::vector<std::unique_ptr<Target>> targets, int epfd, int sigfd)
      : o_(o), targets_(std::move(targets)), epfd_(epfd), sigfd_(sigfd), start_(Clock::now()) {}
  ~Server() {
    for (auto& c : conns_) {
      if (c) close(c->fd);
    }
    for (auto& t : targets_) close(t->fd);
    close(sigfd_);
    close(epfd_);
  }
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Serves until a signal or the duration cap; returns the reason.
  std::string Run() {
    const auto deadline = start_ + std::chrono::milliseconds(o_.duration_ms);
    epoll_event events[64];
    for (;;) {
      const auto now = Clock::now();
      if (now >= deadline) return "duration cap reached";
      const int timeout_ms = static_cast<int>(std::min<int64_t>(
          1000, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1));
      int n = epoll_wait(epfd_, events, 64, timeout_ms);
      if (n < 0 && errno != EINTR) return std::string("epoll_wait: ") + std::strerror(errno);
      for (int i = 0; i < n; ++i) {
        const uint64_t tag = events[i].data.u64;
        if (tag == kSignalTag) {
          signalfd_siginfo si{};
          if (read(sigfd_, &si, sizeof(si)) == sizeof(si)) {
            return std::string("signal ") + strsignal(static_cast<int>(si.ssi_signo));
          }
        } else if (tag & kListenBit) {
          Accept(*targets_[tag & ~kListenBit]);
        } else {
          OnConnection(tag, events[i].events);
        }
      }
    }
  }

  std::string StatsText() const { return StatsJson(o_, stats_, start_); }

 private:
  static constexpr uint64_t kSignalTag = ~uint64_t{0};
  static constexpr uint64_t kListenBit = uint64_t{1} << 62;

  void Accept(Target& t) {
    for (int k = 0; k < 64; ++k) {
      int fd = accept4(t.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      size_t slot = free_.empty() ? conns_.size() : free_.back();
      if (free_.empty()) {
        conns_.emplace_back();
      } else {
        free_.pop_back();
      }
      conns_[slot] = std::make_unique<Connection>();
      conns_[slot]->fd = fd;
      conns_[slot]->target = &t;
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLRDHUP;
      ev.data.u64 = slot;
      epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev);
    }
  }

  void Close(uint64_t slot) {
    Connection& c = *conns_[slot];
    if (c.writing && c.body.data() == c.target->body.data()) --c.target->in_flight;
    epoll_ctl(epfd_, EPOLL_CTL_DEL, c.fd, nullptr);
    close(c.fd);
    conns_[slot].reset();
    free_.push_back(slot);
  }

  void OnConnection(uint64_t slot, uint32_t ev) {
    if (slot >= conns_.size() || !conns_[slot]) return;
    Connection& c = *conns_[slot];
    if (ev & (EPOLLERR | EPOLLHUP)) return Close(slot);
    if (c.writing) {
      if (!Flush(slot)) return;
    }
    if (ev & (EPOLLIN | EPOLLRDHUP)) {
      char buf[4096];
      for (;;) {
        ssize_t r = read(c.fd, buf, sizeof(buf));
        if (r > 0) {
          if (c.in.size() + r > 64 * 1024) return Close(slot);  // no request is this big
          c.in.append(buf, r);
          continue;
        }
        if (r == 0) return Close(slot);
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        return Close(slot);
      }
    }
    if (!c.writing) Serve(slot);
  }

  // Answers the first complete request in the connection's buffer, if any.
  void Serve(uint64_t slot) {
    Connection& c = *conns_[slot];
    size_t end = c.in.find("\r\n\r\n");
    if (end == std::string::npos) return;
    std::string_view req(c.in.data(), end);
    std::string_view line = req.substr(0, req.find("\r\n"));
    c.close_after = line.ends_with("HTTP/1.0");
    for (size_t p = line.size(); p < req.size();) {
      size_t e = req.find("\r\n", p + 2);
      std::string_view h =
          req.substr(p + 2, (e == std::string_view::npos ? req.size() : e) - p - 2);
      if (h.size() >= 11 && strncasecmp(h.data(), "connection:", 11) == 0 &&
          h.find("close") != std::string_view::npos) {
        c.close_after = true;
      }
      if (e == std::string_view::npos) break;
      p = e;
    }
    ++stats_.requests;
    std::string_view status = "200 OK";
    const char* type = "text/plain; version=0.0.4; charset=utf-8";
    if (line.starts_with("GET /metrics ")) {
      Target& t = *c.target;
      if (t.in_flight == 0) Update(t);
      ++t.in_flight;
      c.body = t.body;
      ++stats_.scrapes;
    } else if (line.starts_with("GET /stats ")) {
      c.owned_body = StatsText();
      c.body = c.owned_body;
      type = "application/json";
    } else {
      status = "404 Not Found";
      c.owned_body = "not found\n";
      c.body = c.owned_body;
    }
    c.in.erase(0, end + 4);
    char head[256];
    int n = std::snprintf(head, sizeof(head),
                          "HTTP/1.1 %.*s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s\r\n",
                          static_cast<int>(status.size()), status.data(), type, c.body.size(),
                          c.close_after ? "Connection: close\r\n" : "");
    c.head.assign(head, n);
    c.written = 0;
    c.writing = true;
    Flush(slot);
  }

  void Update(Target& t) {
    ++t.scrapes;
    Advance(t, t.scrapes);
    if (o_.churn_per_minute > 0) {
      const double minutes = std::chrono::duration<double>(Clock::now() - start_).count() / 60;
      const auto replaced_series =
          static_cast<uint64_t>(minutes * o_.churn_per_minute / o_.targets);
      const uint64_t per_object = std::max<uint64_t>(1, t.slots.size() / std::max(1u, t.objects));
      const uint64_t events = replaced_series / per_object;
      stats_.series_replaced += Churn(t, events, t.churn_events);
      t.churn_events = events;
    }
  }

  // Writes as much of the pending response as the socket takes. Returns false when the
  // connection was closed.
  bool Flush(uint64_t slot) {
    Connection& c = *conns_[slot];
    const size_t total = c.head.size() + c.body.size();
    while (c.written < total) {
      iovec iov[2];
      int cnt = 0;
      if (c.written < c.head.size()) {
        iov[cnt++] = {c.head.data() + c.written, c.head.size() - c.written};
        iov[cnt++] = {const_cast<char*>(c.body.data()), c.body.size()};
      } else {
        const size_t off = c.written - c.head.size();
        iov[cnt++] = {const_cast<char*>(c.body.data()) + off, c.body.size() - off};
      }
      ssize_t w = writev(c.fd, iov, cnt);
      if (w < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          epoll_event ev{};
          ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
          ev.data.u64 = slot;
          epoll_ctl(epfd_, EPOLL_CTL_MOD, c.fd, &ev);
          return true;
        }
        Close(slot);
        return false;
      }
      c.written += w;
      stats_.bytes += w;
    }
    if (c.body.data() == c.target->body.data()) --c.target->in_flight;
    c.writing = false;
    c.body = {};
    if (c.close_after) {
      Close(slot);
      return false;
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = slot;
    epoll_ctl(epfd_, EPOLL_CTL_MOD, c.fd, &ev);
    if (c.in.find("\r\n\r\n") != std::string::npos) Serve(slot);  // pipelined
    return true;
  }

  Options o_;
  std::vector<std::unique_ptr<Target>> targets_;
  std::vector<std::unique_ptr<Connection>> conns_;  // indexed by epoll tag
  std::vector<size_t> free_;                        // reusable conns_ slots
  int epfd_;
  int sigfd_;
  Clock::time_point start_;
  Stats stats_;
};

}  // namespace

int main(int argc, char** argv) {
  auto opts = ParseOptions(argc, argv);
  if (!opts.ok()) {
    std::fprintf(stderr,
                 "loadgen: %s\nusage: loadgen --targets=T --series=S --base-port=P "
                 "[--duration=1h] [--churn=N]\n",
                 opts.error().message().c_str());
    return 2;
  }
  const Options o = *opts;
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  signal(SIGPIPE, SIG_IGN);
  int sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (sigfd < 0 || epfd < 0) {
    std::perror("loadgen: signalfd/epoll");
    return 1;
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = ~uint64_t{0};
  epoll_ctl(epfd, EPOLL_CTL_ADD, sigfd, &ev);

  std::vector<std::unique_ptr<Target>> targets;
  size_t bytes = 0;
  for (int i = 0; i < o.targets; ++i) {
    auto t = std::make_unique<Target>();
    t->port = static_cast<uint16_t>(o.base_port + i);
    auto fd = Listen(t->port);
    if (!fd.ok()) {
      std::fprintf(stderr, "loadgen: %s\n", fd.error().message().c_str());
      for (auto& prev : targets) close(prev->fd);
      return 1;
    }
    t->fd = *fd;
    Render(*t, i, o.series);
    Advance(*t, 0);
    bytes += t->body.size();
    ev.events = EPOLLIN;
    ev.data.u64 = (uint64_t{1} << 62) | static_cast<uint64_t>(i);
    epoll_ctl(epfd, EPOLL_CTL_ADD, t->fd, &ev);
    targets.push_back(std::move(t));
  }
  std::fprintf(stdout,
               "loadgen: serving %d targets x %d series on 127.0.0.1:%d-%d (%.1f MiB of bodies)\n",
               o.targets, o.series, o.base_port, o.base_port + o.targets - 1, bytes / 1048576.0);
  std::fflush(stdout);
  Server server(o, std::move(targets), epfd, sigfd);
  const std::string why = server.Run();
  std::fprintf(stderr, "loadgen: stopping (%s): %s", why.c_str(), server.StatsText().c_str());
  return 0;
}
