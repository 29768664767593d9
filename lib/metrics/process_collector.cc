#include "lib/metrics/process_collector.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cstdint>
#include <string_view>
#include <vector>

namespace tsdbd::metrics {
namespace {

// The whole of a (small, /proc) file, or nullopt.
std::optional<std::string> ReadSmallFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string text;
  char buf[4096];
  for (int i = 0; i < 1024; ++i) {  // at most 4 MiB
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

std::vector<std::string_view> SplitFields(std::string_view s) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')) ++i;
    std::size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t' && s[i] != '\n') ++i;
    if (i > start) fields.push_back(s.substr(start, i - start));
  }
  return fields;
}

std::optional<std::uint64_t> ParseUint(std::string_view s) {
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// The soft limit of the named line of a limits file; "unlimited" is 2^64-1 as in procfs.
std::optional<double> SoftLimit(std::string_view limits, std::string_view name) {
  std::size_t pos = 0;
  while (pos < limits.size()) {
    std::size_t end = limits.find('\n', pos);
    if (end == std::string_view::npos) end = limits.size();
    std::string_view line = limits.substr(pos, end - pos);
    pos = end + 1;
    if (!line.starts_with(name)) continue;
    std::vector<std::string_view> f = SplitFields(line.substr(name.size()));
    if (f.empty()) return std::nullopt;
    if (f[0] == "unlimited") return 18446744073709551615.0;
    if (auto v = ParseUint(f[0])) return static_cast<double>(*v);
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<double> BootTimeSeconds(const std::string& proc_root) {
  std::optional<std::string> stat = ReadSmallFile(proc_root + "/stat");
  if (!stat) return std::nullopt;
  std::string_view s = *stat;
  std::size_t pos = s.starts_with("btime ") ? 0 : s.find("\nbtime ");
  if (pos == std::string_view::npos) return std::nullopt;
  pos = s.find(' ', pos + 1) + 1;
  std::size_t end = s.find('\n', pos);
  std::optional<std::uint64_t> v = ParseUint(s.substr(pos, end == s.npos ? s.npos : end - pos));
  if (!v) return std::nullopt;
  return static_cast<double>(*v);
}

std::optional<double> CountOpenFds(const std::string& proc_root) {
  DIR* dir = ::opendir((proc_root + "/self/fd").c_str());
  if (dir == nullptr) return std::nullopt;
  double n = 0;
  while (const dirent* e = ::readdir(dir)) {
    std::string_view name = e->d_name;
    if (name != "." && name != "..") ++n;
  }
  ::closedir(dir);
  return n;
}

void ReadStat(const std::string& proc_root, ProcessStats& stats) {
  std::optional<std::string> text = ReadSmallFile(proc_root + "/self/stat");
  if (!text) return;
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so fields are counted
  // from the last ')'. After it, field 3 (state) is index 0.
  std::size_t close = text->rfind(')');
  if (close == std::string::npos) return;
  std::vector<std::string_view> f = SplitFields(std::string_view(*text).substr(close + 1));
  constexpr std::size_t kUtime = 14 - 3, kStime = 15 - 3, kStartTime = 22 - 3, kVsize = 23 - 3,
                        kRss = 24 - 3;
  if (f.size() <= kRss) return;
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  auto utime = ParseUint(f[kUtime]);
  auto stime = ParseUint(f[kStime]);
  if (utime && stime && ticks > 0) {
    stats.cpu_seconds = static_cast<double>(*utime + *stime) / ticks;
  }
  if (auto v = ParseUint(f[kVsize])) stats.virtual_bytes = static_cast<double>(*v);
  // rss is a signed page count in the kernel's format.
  if (auto v = ParseUint(f[kRss])) {
    stats.resident_bytes = static_cast<double>(*v) * static_cast<double>(::sysconf(_SC_PAGESIZE));
  }
  if (auto start = ParseUint(f[kStartTime]); start && ticks > 0) {
    if (auto boot = BootTimeSeconds(proc_root)) {
      stats.start_time_seconds = *boot + static_cast<double>(*start) / ticks;
    }
  }
}

}  // namespace

ProcessStats ReadProcessStats(const std::string& proc_root) {
  ProcessStats stats;
  ReadStat(proc_root, stats);
  stats.open_fds = CountOpenFds(proc_root);
  if (std::optional<std::string> limits = ReadSmallFile(proc_root + "/self/limits")) {
    stats.max_fds = SoftLimit(*limits, "Max open files");
    stats.virtual_max_bytes = SoftLimit(*limits, "Max address space");
  }
  return stats;
}

Registration AddProcessCollector(Registry& registry, std::string proc_root) {
  std::vector<std::string> names = {"process_cpu_seconds_total",
                                    "process_open_fds",
                                    "process_max_fds",
                                    "process_virtual_memory_bytes",
                                    "process_virtual_memory_max_bytes",
                                    "process_resident_memory_bytes",
                                    "process_start_time_seconds"};
  return registry.AddCollector(std::move(names), [root = std::move(proc_root)](CollectorWriter& w) {
    ProcessStats s = ReadProcessStats(root);
    if (s.cpu_seconds) {
      w.AddCounter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                   *s.cpu_seconds);
    }
    if (s.open_fds) w.AddGauge("process_open_fds", "Number of open file descriptors.", *s.open_fds);
    if (s.max_fds) {
      w.AddGauge("process_max_fds", "Maximum number of open file descriptors.", *s.max_fds);
    }
    if (s.virtual_bytes) {
      w.AddGauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", *s.virtual_bytes);
    }
    if (s.virtual_max_bytes) {
      w.AddGauge("process_virtual_memory_max_bytes",
                 "Maximum amount of virtual memory available in bytes.", *s.virtual_max_bytes);
    }
    if (s.resident_bytes) {
      w.AddGauge("process_resident_memory_bytes", "Resident memory size in bytes.",
                 *s.resident_bytes);
    }
    if (s.start_time_seconds) {
      w.AddGauge("process_start_time_seconds",
                 "Start time of the process since unix epoch in seconds.", *s.start_time_seconds);
    }
  });
}

}  // namespace tsdbd::metrics
