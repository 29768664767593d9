// One client connection: HTTP/1.1 requests read and answered in order, as a coroutine.
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <ctime>
#include <limits>

#include "lib/http/compression.h"
#include "lib/http/dispatch.h"
#include "lib/http/server_impl.h"
#include "lib/http/url_codec.h"
#include "lib/http/web_config_source.h"
#include "lib/model/ascii.h"

namespace tsdbd::http {
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

constexpr size_t kMaxFormBytes = 10 << 20;  // Go's limit on a form body

using BeastRequest = bhttp::request<bhttp::string_body>;
using BeastResponse = bhttp::response<bhttp::string_body>;

// "Wed, 25 Nov 2026 01:01:26 GMT", the IMF-fixdate of RFC 9110, independent of the locale.
std::string HttpDate() {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

std::string FormatEndpoint(const tcp::endpoint& ep) {
  auto addr = ep.address();
  if (addr.is_v6() && addr.to_v6().is_v4_mapped()) {
    addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
  }
  std::string host = addr.to_string();
  if (addr.is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(ep.port());
}

bool IsFormBody(const BeastRequest& msg) {
  std::string_view method = msg.method_string();
  if (method != "POST" && method != "PUT" && method != "PATCH") return false;
  std::string_view type = msg[bhttp::field::content_type];
  type = type.substr(0, type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  return EqualsIgnoreCase(type, "application/x-www-form-urlencoded");
}

// Turns a Beast request into ours: target split and decoded, form values parsed as Go's
// ParseForm. An error when the target is not a path Go would accept (answered 400).
Result<Request> ToRequest(BeastRequest&& msg, const std::string& remote) {
  Request req;
  req.method = std::string(msg.method_string());
  req.raw_target = std::string(msg.target());
  std::string_view target = msg.target();
  if (target.starts_with("http://") || target.starts_with("https://")) {
    // Absolute form (a proxy's): drop scheme and authority.
    size_t slash = target.find('/', target.find("//") + 2);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  } else if (target == "*" && req.method == "OPTIONS") {
    // Server-wide OPTIONS: routed as a path that matches nothing.
  } else if (target.empty() || target.front() != '/') {
    return Error("malformed request target");
  }
  size_t q = target.find('?');
  std::string_view raw_path = target.substr(0, q);
  std::string_view raw_query = q == std::string_view::npos ? "" : target.substr(q + 1);
  raw_query = raw_query.substr(0, raw_query.find('#'));
  auto path = UnescapePath(raw_path);
  if (!path.ok()) return path.error();
  req.path = std::move(*path);

  std::string body_error;
  if (IsFormBody(msg)) {
    if (msg.body().size() > kMaxFormBytes) {
      body_error = "http: POST too large";
    } else {
      body_error = ParseQuery(msg.body(), &req.params);
    }
  }
  std::string query_error = ParseQuery(raw_query, &req.params);
  req.form_error = !body_error.empty() ? body_error : query_error;

  for (const auto& field : msg) {
    req.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  req.body = std::move(msg.body());
  req.remote_address = remote;
  return req;
}

// BasicAuthenticator::Allows as a coroutine to run on another executor. A function with
// parameters by value (kept in its own frame), not a capturing coroutine lambda: that one
// freed its captures twice under co_spawn here (GCC 12, Boost 1.81). `web` keeps the users
// alive.
asio::awaitable<bool> CheckCredentials(BasicAuthenticator* auth,
                                       std::shared_ptr<const LoadedWebConfig> web,
                                       std::string authorization) {
  co_return auth->Allows(web->config.basic_auth_users, &authorization);
}

}  // namespace

Connection::Connection(std::shared_ptr<Server::Impl> server, Strand strand, tcp::socket socket)
    : server_(std::move(server)), strand_(std::move(strand)), stream_(std::move(socket)) {
  boost::system::error_code ec;
  auto ep = stream_.socket().remote_endpoint(ec);
  if (!ec) remote_address_ = FormatEndpoint(ep);
}

void Connection::Shutdown(bool force) {
  closing_ = true;
  if (force) forced_ = true;
  if (idle_ || force) {
    boost::system::error_code ignored;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp().socket().close(ignored);
  }
  if (force && reply_waiter_ != nullptr) reply_waiter_->cancel();
}

template <class Stream>
asio::awaitable<void> Connection::Serve(Stream& stream, beast::flat_buffer& buffer) {
  auto self = shared_from_this();
  auto token = asio::as_tuple(asio::use_awaitable);
  const ServerOptions& options = server_->options();

  // The web config's http_server_config headers, added to every response of this request.
  std::shared_ptr<const LoadedWebConfig> web;
  const std::map<std::string, std::string>* security_headers = nullptr;

  // Writes `response` (compressed when `coding` says so) and reports whether it was sent.
  auto write = [&](Response response, unsigned version, bool keep_alive, bool head,
                   ContentCoding coding) -> asio::awaitable<bool> {
    BeastResponse res{static_cast<bhttp::status>(response.status), version};
    res.set(bhttp::field::date, HttpDate());
    if (!response.content_type.empty()) res.set(bhttp::field::content_type, response.content_type);
    if (security_headers != nullptr) {
      for (const auto& [name, value] : *security_headers) res.set(name, value);
    }
    bool has_encoding = false;
    for (auto& [name, value] : response.headers) {
      if (EqualsIgnoreCase(name, "Content-Encoding")) has_encoding = true;
      res.insert(name, value);
    }
    bool bodyless = response.status == 204 || response.status == 304 || response.status < 200;
    if (coding != ContentCoding::kIdentity && !has_encoding && !bodyless &&
        !response.body.empty()) {
      response.body = Compress(response.body, coding);
      res.set(bhttp::field::content_encoding, CodingName(coding));
      res.insert(bhttp::field::vary, "Accept-Encoding");
    }
    if (bodyless) response.body.clear();
    size_t length = response.body.size();
    res.body() = std::move(response.body);
    res.keep_alive(keep_alive);
    if (!bodyless) res.content_length(length);
    tcp().expires_never();
    bhttp::response_serializer<bhttp::string_body> sr{res};
    boost::system::error_code ec;
    if (head) {
      std::tie(ec, std::ignore) = co_await bhttp::async_write_header(stream, sr, token);
    } else {
      std::tie(ec, std::ignore) = co_await bhttp::async_write(stream, sr, token);
    }
    co_return !ec;
  };

  // After an error answer: stop sending, then drain what the client still sends for a
  // moment, so that closing does not reset the connection before it read the answer.
  auto linger_close = [&]() -> asio::awaitable<void> {
    boost::system::error_code ec;
    tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
    tcp().expires_after(
        std::min<std::chrono::milliseconds>(options.read_timeout, std::chrono::seconds(2)));
    char sink[16384];
    for (size_t drained = 0; !ec && drained < (8u << 20);) {
      size_t n;
      std::tie(ec, n) = co_await stream.async_read_some(asio::buffer(sink), token);
      drained += n;
    }
  };

  for (;;) {
    // Idle: wait for the first byte of the next request (Go's IdleTimeout = ReadTimeout).
    security_headers = nullptr;
    idle_ = true;
    if (closing_) break;
    tcp().expires_after(options.read_timeout);
    if (buffer.size() == 0) {
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), token);
      if (ec) break;
      buffer.commit(n);
    }
    idle_ = false;
    auto started = std::chrono::steady_clock::now();
    // The whole request must arrive within read_timeout of its first byte.
    tcp().expires_after(options.read_timeout);

    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(
        std::min<size_t>(options.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
    parser.body_limit(options.max_body_bytes);
    auto fail = [&](int status, std::string body) -> asio::awaitable<void> {
      Response r;
      r.status = status;
      r.body = std::move(body);
      if (co_await write(std::move(r), 11, false, false, ContentCoding::kIdentity)) {
        co_await linger_close();
      }
    };
    auto classify = [](const boost::system::error_code& ec) -> int {
      if (ec == bhttp::error::header_limit) return 431;
      if (ec == bhttp::error::body_limit) return 413;
      if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) return 0;
      if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category()) {
        return 400;
      }
      return 0;  // timeout, reset, closed: nobody to answer
    };

    auto [hec, hn] = co_await bhttp::async_read_header(stream, buffer, parser, token);
    (void)hn;
    if (hec) {
      int status = classify(hec);
      if (status == 431) co_await fail(431, "431 Request Header Fields Too Large");
      if (status == 413) co_await fail(413, "413 Request Entity Too Large");
      if (status == 400) co_await fail(400, "400 Bad Request");
      break;
    }
    auto& header = parser.get();
    if (header.version() >= 11 && header.find(bhttp::field::host) == header.end()) {
      co_await fail(400, "400 Bad Request: missing required Host header");
      break;
    }
    if (!parser.is_done()) {
      std::string_view expect = header[bhttp::field::expect];
      if (header.version() >= 11 && EqualsIgnoreCase(expect, "100-continue")) {
        bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, 11};
        auto [cec, cn] = co_await bhttp::async_write(stream, cont, token);
        (void)cn;
        if (cec) break;
      }
      auto [bec, bn] = co_await bhttp::async_read(stream, buffer, parser, token);
      (void)bn;
      if (bec) {
        int status = classify(bec);
        if (status == 413) co_await fail(413, "413 Request Entity Too Large");
        if (status == 400 || status == 431) co_await fail(400, "400 Bad Request");
        break;
      }
    }
    tcp().expires_never();

    BeastRequest msg = parser.release();
    const unsigned version = msg.version();
    const bool keep_alive = msg.keep_alive();
    const bool head = msg.method() == bhttp::verb::head;
    const ContentCoding coding = NegotiateCoding(msg[bhttp::field::accept_encoding]);
    auto converted = ToRequest(std::move(msg), remote_address_);
    if (!converted.ok()) {
      co_await fail(400, "400 Bad Request");
      break;
    }
    Request& req = *converted;

    // The web config, read again if it changed: its users and headers apply to every
    // request, whatever its path (404s too).
    if (WebConfigSource* source = server_->web_config(); source != nullptr) {
      auto current = source->Current();
      if (!current.ok()) {
        if (!co_await write(ErrorResponse(500, "Internal Server Error"), version,
                            keep_alive && !closing_, head, ContentCoding::kIdentity) ||
            !keep_alive) {
          break;
        }
        continue;
      }
      web = std::move(*current);
      security_headers = &web->config.http_server_config.headers;
      const auto& users = web->config.basic_auth_users;
      bool allowed = true;
      if (!users.empty()) {
        const std::string* header = req.Header("Authorization");
        std::optional<bool> known = server_->authenticator().KnownVerdict(users, header);
        if (known) {
          allowed = *known;
        } else {
          // bcrypt costs milliseconds: not on an I/O thread. `web` keeps `users` alive.
          BasicAuthenticator* auth = &server_->authenticator();
          std::string value = *header;
          allowed = co_await asio::co_spawn(server_->bcrypt_pool(),
                                            CheckCredentials(auth, web, std::move(value)),
                                            asio::use_awaitable);
        }
      }
      if (!allowed) {
        Response denied = ErrorResponse(401, "Unauthorized");
        denied.headers.emplace_back("WWW-Authenticate", "Basic");
        if (!co_await write(std::move(denied), version, keep_alive && !closing_, head,
                            ContentCoding::kIdentity) ||
            !keep_alive) {
          break;
        }
        continue;
      }
    }

    Dispatch dispatch = DispatchRequest(server_->router(), server_->prefix(), &req);
    const Handler* handler = dispatch.handler;
    std::string_view label = dispatch.label;
    if (handler == nullptr) {
      if (!co_await write(std::move(dispatch.response), version, keep_alive && !closing_, head,
                          ContentCoding::kIdentity) ||
          !keep_alive) {
        break;
      }
      continue;
    }

    // Dispatch. The handler may answer now or later from any thread; wait without
    // blocking a thread: the Reply stores the response and cancels our timer.
    // The Reply holds no Asio object (it may outlive the io_context): only the shared
    // state, whose strand is set while this coroutine waits and reset when it stops.
    bool peer_closed = false;  // the client sent its end of stream while we waited
    auto cancelled = std::make_shared<std::atomic<bool>>(false);
    req.cancelled = cancelled;
    auto state = std::make_shared<ReplyState>();
    state->strand.emplace(strand_);
    Reply reply = [state, gate = server_->gate()](Response r) {
      std::lock_guard lock(state->mu);
      if (state->replied) return;
      state->replied = true;
      state->response = std::move(r);
      if (!state->strand) return;
      std::lock_guard gate_lock(gate->mu);
      if (!gate->open) return;
      asio::post(*state->strand, [state] {
        if (state->waiter != nullptr) state->waiter->cancel();
      });
    };
    std::optional<Response> answer;
    {
      // Resets the state's strand however this block ends, even when the frame is
      // destroyed while suspended (an io_context torn down with this coroutine in it).
      struct WaitEnd {
        ReplyState& state;
        ~WaitEnd() {
          std::lock_guard lock(state.mu);
          state.strand.reset();
          state.waiter = nullptr;
        }
      } wait_end{*state};
      try {
        (*handler)(req, reply);
      } catch (const std::exception& e) {
        spdlog::error("http: handler {} threw: {}", label, e.what());
        reply(ErrorResponse(500, "500 Internal Server Error"));
      } catch (...) {
        spdlog::error("http: handler {} threw", label);
        reply(ErrorResponse(500, "500 Internal Server Error"));
      }
      asio::steady_timer waiter(strand_, asio::steady_timer::time_point::max());
      state->waiter = &waiter;
      reply_waiter_ = &waiter;
      // While the handler works, watch the socket as Go's server does. The end of the
      // stream means the client left or half-closed: the request is cancelled, and its
      // answer is still written if it comes (a half-closed client reads it). A reset
      // means it is gone: stop waiting. Bytes are the next pipelined request: kept in
      // `buffer`, and the watch ends.
      bool watching = false, peer_gone = false;
      if (!state->replied_now()) {
        watching = true;
        stream.async_read_some(buffer.prepare(4096),
                               [self, &buffer, &waiter, &watching, &peer_gone, &peer_closed,
                                cancelled](boost::system::error_code ec, size_t n) {
                                 watching = false;
                                 if (n > 0) {
                                   buffer.commit(n);
                                 } else if (ec == asio::error::eof) {
                                   peer_closed = true;
                                   cancelled->store(true);
                                 } else if (ec && ec != asio::error::operation_aborted) {
                                   peer_gone = true;
                                   cancelled->store(true);
                                 }
                                 waiter.cancel();
                               });
      }
      for (;;) {
        {
          std::lock_guard lock(state->mu);
          if (state->response) {
            answer = std::move(state->response);
            break;
          }
        }
        if (forced_ || peer_gone) break;
        co_await waiter.async_wait(token);
      }
      if (watching) tcp().cancel();
      while (watching) co_await waiter.async_wait(token);  // the watch's last word
      reply_waiter_ = nullptr;
    }
    if (!answer) break;  // the client left, or Stop closed us while the handler was busy

    int status = answer->status;
    bool sent = co_await write(std::move(*answer), version, keep_alive && !closing_ && !peer_closed,
                               head, coding);
    if (const RequestObserver& observe = server_->observer(); observe) {
      std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
      observe(label, status, took.count());
    }
    if (!sent || !keep_alive || peer_closed) break;
  }
}

asio::awaitable<bool> Connection::StartTls(beast::flat_buffer& buffer) {
  auto token = asio::as_tuple(asio::use_awaitable);
  // The first bytes tell a TLS client (a handshake record) from a plain HTTP one.
  stream_.expires_after(server_->options().read_timeout);
  auto [ec, n] = co_await stream_.async_read_some(buffer.prepare(4096), token);
  if (ec) co_return false;
  buffer.commit(n);
  auto first = static_cast<const unsigned char*>(buffer.data().data());
  if (first[0] != 0x16) {
    if (first[0] >= 'A' && first[0] <= 'Z') {
      // As Go's server answers it.
      static constexpr std::string_view kAnswer =
          "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n";
      co_await asio::async_write(stream_, asio::buffer(kAnswer), token);
    }
    co_return false;
  }
  auto current = server_->web_config()->Current();
  if (!current.ok() || (*current)->tls == nullptr) {
    spdlog::error("http: TLS handshake error from {}: {}", remote_address_,
                  current.ok() ? "the web config has no tls_server_config any more"
                               : current.error().message());
    co_return false;
  }
  tls_config_ = std::move(*current);
  tls_ =
      std::make_unique<beast::ssl_stream<beast::tcp_stream>>(std::move(stream_), *tls_config_->tls);
  if (closing_) co_return false;
  tcp().expires_after(server_->options().read_timeout);
  auto [hec, used] =
      co_await tls_->async_handshake(asio::ssl::stream_base::server, buffer.data(), token);
  buffer.consume(used);
  if (hec) {
    if (!closing_) {
      spdlog::error("http: TLS handshake error from {}: {}", remote_address_, hec.message());
    }
    co_return false;
  }
  co_return true;
}

asio::awaitable<void> Connection::Run() {
  auto self = shared_from_this();
  beast::flat_buffer buffer;
  if (server_->serves_tls()) {
    if (co_await StartTls(buffer)) co_await Serve(*tls_, buffer);
  } else {
    co_await Serve(stream_, buffer);
  }
  boost::system::error_code ignored;
  tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
  tcp().socket().close(ignored);
  server_->Forget(self);
}

}  // namespace tsdbd::http
