// An eventfd that one thread signals to wake another out of poll().
#pragma once

namespace tsdbd::scrape::discovery {

class WakeFd {
 public:
  WakeFd();  // aborts if the kernel refuses an eventfd (out of descriptors)
  ~WakeFd();
  WakeFd(const WakeFd&) = delete;
  WakeFd& operator=(const WakeFd&) = delete;

  int fd() const { return fd_; }  // readable once Signal was called
  void Signal();                  // thread-safe
  void Drain();                   // makes fd() unreadable until the next Signal

 private:
  int fd_;
};

}  // namespace tsdbd::scrape::discovery
