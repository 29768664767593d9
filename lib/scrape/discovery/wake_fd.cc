#include "lib/scrape/discovery/wake_fd.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace tsdbd::scrape::discovery {

WakeFd::WakeFd() : fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (fd_ < 0) {
    std::perror("discovery: eventfd");
    std::abort();
  }
}

WakeFd::~WakeFd() {
  close(fd_);
}

void WakeFd::Signal() {
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(fd_, &one, sizeof one);
}

void WakeFd::Drain() {
  uint64_t v;
  [[maybe_unused]] ssize_t n = read(fd_, &v, sizeof v);
}

}  // namespace tsdbd::scrape::discovery
