#include "lib/http/server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <future>

#include "lib/http/listen_address.h"
#include "lib/http/server_impl.h"

namespace tsdbd::http {

Server::Server(net::IoRuntime& runtime, ServerOptions options, Router router,
               RequestObserver observer)
    : impl_(std::make_shared<Impl>(runtime, std::move(options), std::move(router),
                                   std::move(observer))) {}

Server::Server(ServerOptions options, Router router, RequestObserver observer)
    : own_runtime_(std::make_unique<net::IoRuntime>(options.threads)),
      impl_(std::make_shared<Impl>(*own_runtime_, std::move(options), std::move(router),
                                   std::move(observer))) {}

Server::~Server() {
  Stop();
  // A coroutine still holding the Impl (bounded waits gave up on it) is destroyed with the
  // own runtime's io_context, after which the Impl goes too.
  impl_.reset();
  own_runtime_.reset();
}

Status Server::Start() {
  Status st = impl_->Start();
  if (st.ok() && own_runtime_) st = own_runtime_->Start();
  return st;
}

uint16_t Server::port() const {
  return impl_->port();
}

void Server::Stop(std::chrono::milliseconds grace) {
  impl_->Stop(grace);
  if (own_runtime_) own_runtime_->Stop();
}

Server::Impl::Impl(net::IoRuntime& runtime, ServerOptions options, Router router,
                   RequestObserver observer)
    : options_(std::move(options)),
      router_(std::move(router)),
      observer_(std::move(observer)),
      runtime_(runtime) {
  prefix_ = options_.route_prefix;
  if (prefix_.empty() || prefix_.front() != '/') prefix_.insert(0, "/");
  while (!prefix_.empty() && prefix_.back() == '/') prefix_.pop_back();
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
  if (!options_.web_config_file.empty() && web_config_ == nullptr) {
    auto source = WebConfigSource::Open(options_.web_config_file);
    if (!source.ok()) return Error("web config file: " + source.error().message());
    auto current = (*source)->Current();
    if (!current.ok()) return Error("web config file: " + current.error().message());
    serves_tls_ = (*current)->tls != nullptr;
    web_config_ = std::move(*source);
    bcrypt_pool_ = std::make_unique<asio::thread_pool>(1);
  }
  auto address = ParseListenAddress(options_.listen_address);
  if (!address.ok()) return Error("listen tcp: " + address.error().message());

  asio::io_context& io = runtime_.context();
  auto acceptor = std::make_unique<tcp::acceptor>(io);
  std::string where = "listen tcp " + options_.listen_address + ": ";
  if (address->host.empty()) {
    // Every interface: an IPv6 socket that takes IPv4 too, or IPv4 alone without IPv6.
    Status st = Listen(*acceptor, tcp::endpoint(tcp::v6(), address->port), true);
    if (!st.ok()) st = Listen(*acceptor, tcp::endpoint(tcp::v4(), address->port), false);
    if (!st.ok()) return Error(where + st.message());
  } else {
    boost::system::error_code ec;
    tcp::resolver resolver(io);
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
  acceptor_ = std::move(acceptor);
  accept_strand_.emplace(asio::make_strand(io));
  slot_ = std::make_unique<asio::steady_timer>(*accept_strand_);
  accepting_ = true;
  asio::co_spawn(*accept_strand_, AcceptLoop(shared_from_this()), asio::detached);
  started_ = true;
  return Status::Ok();
}

asio::awaitable<void> Server::Impl::AcceptLoop(std::shared_ptr<Impl> self) {
  auto token = asio::as_tuple(asio::use_awaitable);
  // Tells Stop that the loop is over, however it ends.
  struct Done {
    Impl& impl;
    ~Done() {
      std::lock_guard lock(impl.mu_);
      impl.accepting_ = false;
      impl.cv_.notify_all();
    }
  } done{*self};
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
    Strand strand = asio::make_strand(runtime_.context());
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
    auto connection = std::make_shared<Connection>(self, strand, std::move(socket));
    {
      std::lock_guard lock(mu_);
      if (stopping_) co_return;  // the socket closes with `connection`
      connections_.insert(connection);
    }
    asio::co_spawn(connection->strand(), connection->Run(), asio::detached);
  }
}

void Server::Impl::Forget(const std::shared_ptr<Connection>& connection) {
  std::lock_guard lock(mu_);
  connections_.erase(connection);
  cv_.notify_all();
  // Wake the accept loop if it waits for a free slot. Posted under mu_, so that Stop's
  // barrier (queued once it sees no connection left) runs after it.
  asio::post(*accept_strand_, [self = shared_from_this()] { self->slot_->cancel(); });
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
  asio::post(*accept_strand_, [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->acceptor_->close(ignored);
    self->slot_->cancel();
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
  }
  // Closed sockets end their coroutines promptly, and the closed acceptor its loop; bounded
  // all the same (a stopped runtime runs nothing). What lingers holds the Impl alive.
  if (!cv_.wait_for(lock, std::chrono::seconds(2),
                    [this] { return connections_.empty() && !accepting_; })) {
    spdlog::warn("http: {} connection(s) did not end after being closed", connections_.size());
  }
  connections_.clear();
  lock.unlock();
  live.clear();
  // A barrier: what Forget and Stop posted to the accept strand has run once it has.
  auto barrier = std::make_shared<std::promise<void>>();
  auto passed = barrier->get_future();
  asio::post(*accept_strand_, [barrier] { barrier->set_value(); });
  passed.wait_for(std::chrono::seconds(2));

  // A bcrypt check in progress finishes (its answer goes to a live io_context).
  if (bcrypt_pool_) bcrypt_pool_->join();

  std::lock_guard gate_lock(gate_->mu);
  gate_->open = false;  // late replies are dropped from here on
}

}  // namespace tsdbd::http
