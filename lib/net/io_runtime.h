// The process's one asio::io_context and the threads that run it: every network module
// (HTTP server, scraping, remote write, notifier) does its I/O here. No Asio in this header.
#pragma once

#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "lib/model/result.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace tsdbd::net {

class IoRuntime {
 public:
  // `threads` I/O threads (at least 1) once Start is called.
  explicit IoRuntime(int threads = 2);
  ~IoRuntime();  // Stop()
  IoRuntime(const IoRuntime&) = delete;
  IoRuntime& operator=(const IoRuntime&) = delete;

  // Starts the threads. An error when called twice or after Stop.
  Status Start();

  // Stops the io_context and joins the threads: handlers not run yet never run (their
  // coroutine frames are destroyed with the IoRuntime), so users stop their own work first
  // (Server::Stop, HttpClient calls cancelled). Idempotent. Must not be called from an I/O
  // thread.
  void Stop();

  // Whether the calling thread is one of this runtime's I/O threads.
  bool InIoThread() const;

  // For .cc files that do I/O. Valid for the IoRuntime's whole life, before Start too
  // (work queued early runs once the threads start).
  boost::asio::io_context& context() { return *io_; }

 private:
  struct Work;  // keeps io_context::run from returning while there is nothing to do

  int threads_count_;
  std::unique_ptr<boost::asio::io_context> io_;
  std::unique_ptr<Work> work_;
  std::mutex mu_;  // guards threads_ and the flags
  std::vector<std::thread> threads_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace tsdbd::net
