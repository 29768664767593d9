// The process collector: the Go client's process_* metrics, read from /proc at each scrape.
#pragma once

#include <optional>
#include <string>

#include "lib/metrics/registry.h"

namespace tsdbd::metrics {

// One reading of the process statistics; a field is empty when its source could not be read
// or parsed (that metric is then left out of the scrape, the others still written).
struct ProcessStats {
  std::optional<double> cpu_seconds;         // utime + stime from <root>/self/stat
  std::optional<double> resident_bytes;      // rss pages * page size
  std::optional<double> virtual_bytes;       // vsize
  std::optional<double> start_time_seconds;  // btime of <root>/stat + starttime
  std::optional<double> open_fds;            // entries of <root>/self/fd
  std::optional<double> max_fds;             // soft "Max open files" of <root>/self/limits
  std::optional<double> virtual_max_bytes;   // soft "Max address space"; unlimited = 2^64-1
};

// Reads the statistics of the calling process from proc_root (normally "/proc").
ProcessStats ReadProcessStats(const std::string& proc_root = "/proc");

// Registers process_cpu_seconds_total, process_open_fds, process_max_fds,
// process_virtual_memory_bytes, process_virtual_memory_max_bytes,
// process_resident_memory_bytes and process_start_time_seconds, with the Go client's help.
Registration AddProcessCollector(Registry& registry, std::string proc_root = "/proc");

}  // namespace tsdbd::metrics
