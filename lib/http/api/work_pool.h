// A fixed set of threads running jobs in arrival order: where queries run, so that at most
// --query.max-concurrency of them execute at once and none runs on an I/O thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tsdbd::http::api {

class WorkPool {
 public:
  explicit WorkPool(int threads);
  // Runs the jobs still queued, then joins the threads.
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  // Queues `job`; thread-safe.
  void Submit(std::function<void()> job);

 private:
  void Work();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;  // guarded by mu_
  bool stopping_ = false;                   // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace tsdbd::http::api
