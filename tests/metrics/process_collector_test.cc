#include "lib/metrics/process_collector.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace tsdbd::metrics {
namespace {

namespace fs = std::filesystem;

// Opens n descriptors on /dev/null and closes them when destroyed.
class OpenFiles {
 public:
  explicit OpenFiles(int n) {
    for (int i = 0; i < n; ++i) fds_.push_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  }
  ~OpenFiles() {
    for (int fd : fds_) ::close(fd);
  }
  bool ok() const {
    for (int fd : fds_) {
      if (fd < 0) return false;
    }
    return true;
  }

 private:
  std::vector<int> fds_;
};

// A fake /proc tree in a temporary directory, removed when destroyed.
class FakeProc {
 public:
  FakeProc() {
    std::string tmpl = (fs::temp_directory_path() / "metrics-proc-XXXXXX").string();
    root_ = ::mkdtemp(tmpl.data());
    fs::create_directories(fs::path(root_) / "self" / "fd");
  }
  ~FakeProc() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  void Write(const std::string& rel, const std::string& text) {
    std::ofstream(fs::path(root_) / rel) << text;
  }
  const std::string& root() const { return root_; }

 private:
  std::string root_;
};

double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

TEST(ProcessCollectorTest, ReadsSaneValuesForThisProcess) {
  ProcessStats s = ReadProcessStats();
  ASSERT_TRUE(s.cpu_seconds && s.resident_bytes && s.virtual_bytes && s.start_time_seconds &&
              s.open_fds && s.max_fds && s.virtual_max_bytes);
  EXPECT_GE(*s.cpu_seconds, 0);
  EXPECT_GT(*s.resident_bytes, 0);
  EXPECT_GE(*s.virtual_bytes, *s.resident_bytes);
  EXPECT_GE(*s.open_fds, 3);  // stdin, stdout, stderr (and the directory being read)
  EXPECT_GE(*s.max_fds, *s.open_fds);
  EXPECT_GT(*s.virtual_max_bytes, 0);
  // The test process started moments ago (start time has a resolution of one tick).
  EXPECT_LE(*s.start_time_seconds, NowSeconds() + 1);
  EXPECT_GT(*s.start_time_seconds, NowSeconds() - 60);
}

TEST(ProcessCollectorTest, OpenFdsGrowsWithOpenFiles) {
  double before = *ReadProcessStats().open_fds;
  {
    OpenFiles files(10);
    ASSERT_TRUE(files.ok());
    EXPECT_EQ(*ReadProcessStats().open_fds, before + 10);
  }
  EXPECT_EQ(*ReadProcessStats().open_fds, before);
}

TEST(ProcessCollectorTest, WritesTheGoClientFamilies) {
  Registry r;
  Registration reg = AddProcessCollector(r);
  std::string text = r.WriteText();
  const char* expected[] = {
      "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
      "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total ",
      "# HELP process_max_fds Maximum number of open file descriptors.\n"
      "# TYPE process_max_fds gauge\nprocess_max_fds ",
      "# HELP process_open_fds Number of open file descriptors.\n"
      "# TYPE process_open_fds gauge\nprocess_open_fds ",
      "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
      "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes ",
      "# HELP process_start_time_seconds Start time of the process since unix epoch in "
      "seconds.\n# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds ",
      "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
      "# TYPE process_virtual_memory_bytes gauge\nprocess_virtual_memory_bytes ",
      "# HELP process_virtual_memory_max_bytes Maximum amount of virtual memory available in "
      "bytes.\n# TYPE process_virtual_memory_max_bytes gauge\n"
      "process_virtual_memory_max_bytes ",
  };
  std::size_t last = 0;
  for (const char* e : expected) {  // in this order: sorted by name
    std::size_t pos = text.find(e);
    ASSERT_NE(pos, std::string::npos) << e << "\nin\n" << text;
    EXPECT_GE(pos, last);
    last = pos;
  }
}

TEST(ProcessCollectorTest, ParsesAFakeProcTree) {
  FakeProc p;
  // comm holds spaces and a parenthesis; fields are counted from the last ')'.
  p.Write("self/stat",
          "42 (a) b (c) S 1 42 42 0 -1 4194560 100 0 0 0 250 150 0 0 20 0 1 0 1000 "
          "123456789 2500 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n");
  p.Write("stat", "cpu  1 2 3\nintr 5\nbtime 1700000000\nprocesses 9\n");
  p.Write("self/limits",
          "Limit                     Soft Limit           Hard Limit           Units     \n"
          "Max cpu time              unlimited            unlimited            seconds   \n"
          "Max open files            1024                 1048576              files     \n"
          "Max address space         unlimited            unlimited            bytes     \n");
  p.Write("self/fd/0", "");
  p.Write("self/fd/1", "");
  ProcessStats s = ReadProcessStats(p.root());
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  ASSERT_TRUE(s.cpu_seconds && s.start_time_seconds && s.virtual_bytes && s.resident_bytes);
  EXPECT_DOUBLE_EQ(*s.cpu_seconds, 400 / ticks);
  EXPECT_DOUBLE_EQ(*s.start_time_seconds, 1700000000 + 1000 / ticks);
  EXPECT_EQ(*s.virtual_bytes, 123456789);
  EXPECT_EQ(*s.resident_bytes, 2500 * page);
  EXPECT_EQ(s.open_fds, 2);
  EXPECT_EQ(s.max_fds, 1024);
  EXPECT_EQ(s.virtual_max_bytes, 18446744073709551615.0);

  Registry r;
  Registration reg = AddProcessCollector(r, p.root());
  std::string text = r.WriteText();
  EXPECT_NE(text.find("\nprocess_virtual_memory_max_bytes 1.8446744073709552e+19\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\nprocess_max_fds 1024\n"), std::string::npos);
  EXPECT_NE(text.find("\nprocess_virtual_memory_bytes 1.23456789e+08\n"), std::string::npos);
}

TEST(ProcessCollectorTest, MissingFilesLeaveOutOnlyTheirMetrics) {
  FakeProc p;
  p.Write("self/limits",
          "Max open files            512                  512                  files\n");
  ProcessStats s = ReadProcessStats(p.root());
  EXPECT_FALSE(s.cpu_seconds);
  EXPECT_FALSE(s.start_time_seconds);
  EXPECT_FALSE(s.resident_bytes);
  EXPECT_FALSE(s.virtual_max_bytes);  // no such line
  EXPECT_EQ(s.max_fds, 512);
  EXPECT_EQ(s.open_fds, 0);

  Registry r;
  Registration reg = AddProcessCollector(r, p.root());
  EXPECT_EQ(r.WriteText(),
            "# HELP process_max_fds Maximum number of open file descriptors.\n"
            "# TYPE process_max_fds gauge\n"
            "process_max_fds 512\n"
            "# HELP process_open_fds Number of open file descriptors.\n"
            "# TYPE process_open_fds gauge\n"
            "process_open_fds 0\n");
}

TEST(ProcessCollectorTest, MalformedFilesAreRejectedNotMisread) {
  FakeProc p;
  p.Write("self/stat", "42 (truncated) S 1 42\n");
  p.Write("stat", "cpu 1 2 3\n");  // no btime
  p.Write("self/limits", "Max open files            lots        1         files\n");
  ProcessStats s = ReadProcessStats(p.root());
  EXPECT_FALSE(s.cpu_seconds);
  EXPECT_FALSE(s.virtual_bytes);
  EXPECT_FALSE(s.max_fds);

  // A complete stat line with no btime in /proc/stat: no start time, the rest is there.
  p.Write("self/stat", "42 (x) S 1 42 42 0 -1 4194560 100 0 0 0 1 1 0 0 20 0 1 0 1000 4096 1 0\n");
  s = ReadProcessStats(p.root());
  EXPECT_TRUE(s.cpu_seconds);
  EXPECT_FALSE(s.start_time_seconds);
  // A non-numeric field is not read as zero.
  p.Write("self/stat", "42 (x) S 1 42 42 0 -1 4194560 100 0 0 0 x 1 0 0 20 0 1 0 1000 4096 1 0\n");
  EXPECT_FALSE(ReadProcessStats(p.root()).cpu_seconds);
}

}  // namespace
}  // namespace tsdbd::metrics
