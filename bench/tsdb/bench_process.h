// What the storage benchmarks share: a scratch directory removed afterwards, and the
// process's resident memory (heap and mapped file pages) sampled while work runs.
#pragma once

#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <utility>

namespace tsdbd::bench {

// A fresh directory under $TSDBD_BENCH_DIR (default /tmp), removed with its contents.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& prefix) {
    const char* base = std::getenv("TSDBD_BENCH_DIR");
    std::string tmpl = std::string(base ? base : "/tmp") + "/" + prefix + "-XXXXXX";
    path_ = mkdtemp(tmpl.data()) ? tmpl : "";
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// RssAnon (heap) and RssFile (mapped files' pages) in bytes.
inline std::pair<uint64_t, uint64_t> RssParts() {
  std::ifstream in("/proc/self/status");
  std::string line;
  uint64_t anon = 0, file = 0;
  while (std::getline(in, line)) {
    if (line.rfind("RssAnon:", 0) == 0) anon = std::stoull(line.substr(8)) * 1024;
    if (line.rfind("RssFile:", 0) == 0) file = std::stoull(line.substr(8)) * 1024;
  }
  return {anon, file};
}

// Samples RssAnon and RssFile every 5 ms while it lives and keeps their maxima.
class RssSampler {
 public:
  RssSampler()
      : thread_([this] {
          while (!stop_.load()) {
            auto [anon, file] = RssParts();
            if (anon > max_anon_) max_anon_ = anon;
            if (file > max_file_) max_file_ = file;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
          }
        }) {}
  ~RssSampler() { Stop(); }
  RssSampler(const RssSampler&) = delete;
  RssSampler& operator=(const RssSampler&) = delete;
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  uint64_t max_anon() const { return max_anon_; }
  uint64_t max_file() const { return max_file_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> max_anon_{0}, max_file_{0};
  std::thread thread_;
};

}  // namespace tsdbd::bench
