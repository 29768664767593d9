#include "lib/net/io_runtime.h"

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace tsdbd::net {

namespace asio = boost::asio;

struct IoRuntime::Work {
  explicit Work(asio::io_context& io) : guard(io.get_executor()) {}
  asio::executor_work_guard<asio::io_context::executor_type> guard;
};

IoRuntime::IoRuntime(int threads)
    : threads_count_(std::max(1, threads)),
      io_(std::make_unique<asio::io_context>(threads_count_)),
      work_(std::make_unique<Work>(*io_)) {}

IoRuntime::~IoRuntime() {
  Stop();
}

Status IoRuntime::Start() {
  std::lock_guard lock(mu_);
  if (started_ || stopped_) return Error("io runtime: Start called twice or after Stop");
  started_ = true;
  for (int i = 0; i < threads_count_; ++i) {
    threads_.emplace_back([io = io_.get()] { io->run(); });
  }
  return Status::Ok();
}

void IoRuntime::Stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    threads.swap(threads_);
  }
  work_.reset();
  io_->stop();
  for (auto& t : threads) t.join();
}

bool IoRuntime::InIoThread() const {
  return io_->get_executor().running_in_this_thread();
}

}  // namespace tsdbd::net
