#include "lib/scrape/discovery/file_discoverer.h"

#include <glob.h>
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "lib/scrape/discovery/file_sd_parser.h"
#include "spdlog/spdlog.h"

namespace tsdbd::scrape::discovery {

namespace {

std::string DirectoryOf(const std::string& pattern) {
  size_t slash = pattern.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return pattern.substr(0, slash);
}

// The files matching `pattern`, sorted by name. A '*' matches leading dots too, as Go's
// filepath.Glob does.
std::vector<std::string> Expand(const std::string& pattern) {
  glob_t g{};
  std::vector<std::string> out;
  int rc = glob(pattern.c_str(), GLOB_PERIOD, nullptr, &g);
  if (rc == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  } else if (rc != GLOB_NOMATCH) {
    spdlog::error("file_sd: error expanding glob {}", pattern);
  }
  globfree(&g);
  return out;
}

Result<std::vector<TargetGroup>> ReadFile(const std::string& path) {
  Result<FileSdFormat> format = FileSdFormatFor(path);
  if (!format.ok()) return format.error();
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error("open " + path + ": " + std::strerror(errno));
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return Error("read " + path + ": " + std::strerror(errno));
  return ParseFileSd(content.str(), *format, path);
}

}  // namespace

FileDiscoverer::FileDiscoverer(config::FileSdConfig config, Metrics& metrics)
    : config_(std::move(config)), metrics_(metrics) {}

FileDiscoverer::~FileDiscoverer() {
  Stop();
}

void FileDiscoverer::Start(UpdateFn on_update) {
  on_update_ = std::move(on_update);
  thread_ = std::thread([this] { Run(); });
}

void FileDiscoverer::Stop() {
  stopping_.store(true);
  wake_.Signal();
  if (thread_.joinable()) thread_.join();
}

void FileDiscoverer::WatchDirectories() {
  if (inotify_fd_ < 0) return;
  constexpr uint32_t kMask = IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM |
                             IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF;
  for (const std::string& pattern : config_.files) {
    std::string dir = DirectoryOf(pattern);
    if (watches_.contains(dir)) continue;
    int wd = inotify_add_watch(inotify_fd_, dir.c_str(), kMask);
    if (wd < 0) {
      if (unwatchable_.insert(dir).second) {
        spdlog::error("file_sd: cannot watch {} (relying on refresh_interval): {}", dir,
                      std::strerror(errno));
      }
      continue;
    }
    unwatchable_.erase(dir);
    watches_[dir] = wd;
  }
}

void FileDiscoverer::Refresh() {
  WatchDirectories();
  std::vector<std::string> files;
  std::set<std::string> seen;
  for (const std::string& pattern : config_.files) {
    for (std::string& f : Expand(pattern)) {
      if (seen.insert(f).second) files.push_back(std::move(f));
    }
  }
  std::map<std::string, std::vector<TargetGroup>> next;
  std::vector<TargetGroup> all;
  for (const std::string& f : files) {
    Result<std::vector<TargetGroup>> groups = ReadFile(f);
    if (!groups.ok()) {
      metrics_.file_read_errors.Inc();
      spdlog::error("file_sd: error reading file {}: {}", f, groups.error().message());
      auto old = files_.find(f);
      if (old == files_.end()) continue;
      next[f] = std::move(old->second);
    } else {
      next[f] = std::move(groups).value();
    }
    all.insert(all.end(), next[f].begin(), next[f].end());
  }
  files_ = std::move(next);
  std::vector<TargetGroup> out;
  if (differ_.Update(all, &out)) on_update_(std::move(out));
}

void FileDiscoverer::Run() {
  inotify_fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd_ < 0) {
    spdlog::error("file_sd: inotify: {}; relying on refresh_interval", std::strerror(errno));
  }
  using Clock = std::chrono::steady_clock;
  const auto interval =
      std::max<std::chrono::milliseconds>(config_.refresh_interval, std::chrono::milliseconds(1));
  Clock::time_point next_refresh = Clock::now();
  while (!stopping_.load()) {
    Clock::time_point now = Clock::now();
    if (now >= next_refresh) {
      Refresh();
      next_refresh = Clock::now() + interval;
      continue;
    }
    pollfd fds[2] = {{wake_.fd(), POLLIN, 0}, {inotify_fd_, POLLIN, 0}};
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_refresh - now).count();
    int n =
        poll(fds, inotify_fd_ >= 0 ? 2 : 1, static_cast<int>(std::min<int64_t>(wait + 1, 60000)));
    if (n <= 0) continue;
    if (fds[0].revents) wake_.Drain();
    if (inotify_fd_ >= 0 && fds[1].revents) {
      alignas(inotify_event) char buf[4096];
      bool changed = false;
      for (;;) {
        ssize_t len = read(inotify_fd_, buf, sizeof buf);
        if (len <= 0) break;
        for (ssize_t off = 0; off < len;) {
          const auto* ev = reinterpret_cast<const inotify_event*>(buf + off);
          off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
          if (ev->mask & IN_IGNORED) {  // the directory went away: watch it again later
            std::erase_if(watches_, [&](const auto& kv) { return kv.second == ev->wd; });
          }
          changed = true;
        }
      }
      if (changed && !stopping_.load()) Refresh();
    }
  }
  if (inotify_fd_ >= 0) close(inotify_fd_);
  inotify_fd_ = -1;
}

}  // namespace tsdbd::scrape::discovery
