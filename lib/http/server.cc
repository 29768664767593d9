#include "lib/http/server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "lib/http/listen_address.h"
#include "lib/http/server_impl.h"

namespace tsdbd::http {

Server::Server(ServerOptions options, Router router, RequestObserver observer)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(router), std::move(observer))) {}

Server::~Server() {
  Stop();
}

Status Server::Start() {
  return impl_->Start();
}

uint16_t Server::port() const {
  return impl_->port();
}

void Server::Stop(std::chrono::milliseconds grace) {
  impl_->Stop(grace);
}

Server::Impl::Impl(ServerOptions options, Router router, RequestObserver observer)
    : options_(std::move(options)), router_(std::move(router)), observer_(std::move(observer)) {
  prefix_ = options_.route_prefix;
  if (prefix_.empty() || prefix_.front() != '/') prefix_.insert(0, "/");
  while (!prefix_.empty() && prefix_.back() == '/') prefix_.pop_back();
}

Server::Impl::~Impl() {
  Stop(std::chrono::milliseconds(0));
}

namespace {

// Opens, binds and listens; an error value naming the address on failure.
Status Listen(tcp::acceptor& acceptor, const tcp::endpoint& endpoint, bool dual_stack) {
  boost::system::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec && dual_stack) acceptor.set_option(asio::ip::v6_only(false), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    return Error(ec.message());
  }
  return Status::Ok();
}

}  // namespace

Status Server::Impl::Start() {
  {
    std::lock_guard lock(mu_);
    if (started_ || stopping_) return Error("http server: Start called twice");
  }
  auto address = ParseListenAddress(options_.listen_address);
  if (!address.ok()) return Error("listen tcp: " + address.error().message());

  auto io = std::make_unique<asio::io_context>(std::max(1, options_.threads));
  auto acceptor = std::make_unique<tcp::acceptor>(*io);
  std::string where = "listen tcp " + options_.listen_address + ": ";
  if (address->host.empty()) {
    // Every interface: an IPv6 socket that takes IPv4 too, or IPv4 alone without IPv6.
    Status st = Listen(*acceptor, tcp::endpoint(tcp::v6(), address->port), true);
    if (!st.ok()) st = Listen(*acceptor, tcp::endpoint(tcp::v4(), address->port), false);
    if (!st.ok()) return Error(where + st.message());
  } else {
    boost::system::error_code ec;
    tcp::resolver resolver(*io);
    auto results = resolver.resolve(address->host, std::to_string(address->port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec || results.empty()) {
      return Error(where + "lookup " + address->host + ": " +
                   (ec ? ec.message() : std::string("no such host")));
    }
    Status st = Error("no address");
    for (const auto& entry : results) {
      st = Listen(*acceptor, entry.endpoint(), false);
      if (st.ok()) break;
    }
    if (!st.ok()) return Error(where + st.message());
  }

  std::lock_guard lock(mu_);
  if (started_ || stopping_) return Error("http server: Start called twice");
  port_ = acceptor->local_endpoint().port();
  io_ = std::move(io);
  acceptor_ = std::move(acceptor);
  work_.emplace(io_->get_executor());
  accept_strand_.emplace(asio::make_strand(*io_));
  slot_ = std::make_unique<asio::steady_timer>(*accept_strand_);
  asio::co_spawn(*accept_strand_, AcceptLoop(), asio::detached);
  for (int i = 0; i < std::max(1, options_.threads); ++i) {
    threads_.emplace_back([this] { io_->run(); });
  }
  started_ = true;
  return Status::Ok();
}

asio::awaitable<void> Server::Impl::AcceptLoop() {
  auto token = asio::as_tuple(asio::use_awaitable);
  int failures = 0;
  for (;;) {
    // Like Go's netutil.LimitListener: at the limit, stop accepting until a slot frees.
    // The kernel's backlog holds the waiting connections; they get no answer until then.
    for (;;) {
      {
        std::lock_guard lock(mu_);
        if (stopping_) co_return;
        if (options_.max_connections <= 0 ||
            connections_.size() < static_cast<size_t>(options_.max_connections)) {
          break;
        }
      }
      slot_->expires_at(asio::steady_timer::time_point::max());
      co_await slot_->async_wait(token);  // Forget and Stop cancel it
    }
    Strand strand = asio::make_strand(*io_);
    auto [ec, socket] = co_await acceptor_->async_accept(strand, token);
    if (ec) {
      {
        std::lock_guard lock(mu_);
        if (stopping_) co_return;
      }
      if (ec == asio::error::operation_aborted) co_return;
      // Out of descriptors and the like: back off as Go's server does, then retry.
      failures = std::min(failures + 1, 10);
      auto delay = std::chrono::milliseconds(std::min(1000, 5 << (failures - 1)));
      spdlog::error("http: accept error: {}; retrying in {}ms", ec.message(), delay.count());
      slot_->expires_after(delay);
      co_await slot_->async_wait(token);
      continue;
    }
    failures = 0;
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto connection = std::make_shared<Connection>(*this, strand, std::move(socket));
    {
      std::lock_guard lock(mu_);
      if (stopping_) co_return;  // the socket closes with `connection`
      connections_.insert(connection);
    }
    asio::co_spawn(connection->strand(), connection->Run(), asio::detached);
  }
}

void Server::Impl::Forget(const std::shared_ptr<Connection>& connection) {
  {
    std::lock_guard lock(mu_);
    connections_.erase(connection);
    cv_.notify_all();
  }
  // Wake the accept loop if it waits for a free slot. Safe: Stop joins the threads before
  // it destroys the io_context, and Forget runs on those threads.
  asio::post(*accept_strand_, [this] { slot_->cancel(); });
}

void Server::Impl::Stop(std::chrono::milliseconds grace) {
  std::vector<std::shared_ptr<Connection>> live;
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    stopping_ = true;
    if (!started_) return;
    live.assign(connections_.begin(), connections_.end());
  }
  // Stop accepting: a new connection is refused from here on.
  asio::post(*accept_strand_, [this] {
    boost::system::error_code ignored;
    acceptor_->close(ignored);
    slot_->cancel();
  });
  for (auto& c : live) asio::post(c->strand(), [c] { c->Shutdown(false); });

  // Let requests in flight finish, up to `grace`; then close what is left.
  auto deadline = std::chrono::steady_clock::now() + grace;
  std::unique_lock lock(mu_);
  if (!cv_.wait_until(lock, deadline, [this] { return connections_.empty(); })) {
    live.assign(connections_.begin(), connections_.end());
    lock.unlock();
    spdlog::warn("http: {} connection(s) still busy after the grace period; closing them",
                 live.size());
    for (auto& c : live) asio::post(c->strand(), [c] { c->Shutdown(true); });
    lock.lock();
    // Closed sockets end their coroutines promptly; bounded all the same.
    cv_.wait_for(lock, std::chrono::seconds(2), [this] { return connections_.empty(); });
  }
  lock.unlock();
  live.clear();

  {
    std::lock_guard gate_lock(gate_->mu);
    gate_->open = false;  // late replies are dropped from here on
  }
  work_.reset();
  io_->stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  {
    std::lock_guard relock(mu_);
    connections_.clear();
  }
  slot_.reset();
  acceptor_.reset();
  accept_strand_.reset();
  io_.reset();  // destroys any coroutine frame still suspended
}

}  // namespace tsdbd::http
