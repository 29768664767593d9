#include "lib/net/http_client.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <memory>
#include <optional>
#include <variant>

#include "lib/model/ascii.h"
#include "lib/net/client_auth.h"
#include "lib/net/client_connection.h"
#include "lib/net/gzip_decoder.h"
#include "lib/net/io_runtime.h"
#include "lib/net/tls_client.h"

namespace tsdbd::net {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace urls = boost::urls;
using Strand = asio::strand<asio::io_context::executor_type>;

namespace {

bool HasHeader(const std::vector<std::pair<std::string, std::string>>& headers,
               std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (EqualsIgnoreCase(n, name)) return true;
  }
  return false;
}

// Go's url.Error operation: "Get", "Post".
std::string Op(const std::string& method) {
  std::string op = method;
  for (size_t i = 1; i < op.size(); ++i) {
    op[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(op[i])));
  }
  return op;
}

// Where a request goes, taken from its URL.
struct Target {
  bool tls = false;
  std::string host;         // without brackets
  std::string port;         // "80" when the URL has none
  std::string host_header;  // the URL's authority host[:port], as Go sends it
  std::string resource;     // path and query: "/metrics?x=1"
  std::string pool_key;     // "https://host:port"
};

Result<Target> ParseTarget(const std::string& url) {
  auto parsed = urls::parse_uri(url);
  if (!parsed) return Error("parse \"" + url + "\": " + parsed.error().message());
  urls::url_view u = *parsed;
  Target t;
  std::string scheme = u.scheme();
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme == "https") {
    t.tls = true;
  } else if (scheme != "http") {
    return Error("unsupported protocol scheme \"" + scheme + "\"");
  }
  t.host = u.host_address();
  if (u.host_type() == urls::host_type::ipv6) {
    // host_address keeps the brackets of an IP literal.
    if (t.host.size() >= 2 && t.host.front() == '[') t.host = t.host.substr(1, t.host.size() - 2);
  }
  if (t.host.empty()) return Error("http: no Host in request URL");
  t.port = u.has_port() && !u.port().empty() ? std::string(u.port()) : (t.tls ? "443" : "80");
  t.host_header = u.encoded_host_and_port();
  if (!t.host_header.empty() && t.host_header.back() == ':') t.host_header.pop_back();
  t.resource = u.encoded_target();
  if (t.resource.empty() || t.resource.front() != '/') t.resource.insert(0, "/");
  std::string bracketed = t.host.find(':') != std::string::npos ? "[" + t.host + "]" : t.host;
  t.pool_key = scheme + "://" + bracketed + ":" + t.port;
  return t;
}

bool IsRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

}  // namespace

const std::string* ClientResponse::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (EqualsIgnoreCase(n, name)) return &v;
  }
  return nullptr;
}

class HttpClient::Impl {
 public:
  Impl(IoRuntime& runtime, config::HttpClientConfig config, ClientOptions options,
       std::shared_ptr<asio::ssl::context> tls)
      : runtime_(runtime),
        config_(std::move(config)),
        options_(options),
        tls_(std::move(tls)),
        pool_(options.max_idle_per_host, options.idle_timeout) {}

  IoRuntime& runtime_;
  const config::HttpClientConfig config_;
  const ClientOptions options_;
  const std::shared_ptr<asio::ssl::context> tls_;
  ConnectionPool pool_;
};

// Reading a body: the gzip decoder's input chunk, the least room offered for a plain body,
// and the most that a Content-Length header may reserve ahead.
constexpr size_t kGzipChunk = 16384;
constexpr size_t kMinBodyRead = 65536;
constexpr uint64_t kMaxBodyReserve = 64 << 20;
// Room in the connection's read buffer while a body arrives: Beast asks the socket for the
// buffer's spare capacity (at least 512 bytes), so without room a body costs a recv per 512
// bytes. Freed after the body, so that idle keep-alive connections hold nothing.
constexpr size_t kSocketReadRoom = 65536;

// One call of Do: a coroutine on its own strand, with its deadline timer.
class Call : public std::enable_shared_from_this<Call> {
 public:
  Call(std::shared_ptr<HttpClient::Impl> client, ClientRequest request, HttpClient::Callback done)
      : client_(std::move(client)),
        request_(std::move(request)),
        done_(std::move(done)),
        strand_(asio::make_strand(client_->runtime_.context())),
        deadline_(strand_),
        resolver_(strand_) {}

  void Start() {
    auto self = shared_from_this();
    asio::co_spawn(strand_, Run(self), asio::detached);
  }

  // Posted to the strand by CallHandle::Cancel.
  void Cancel() {
    asio::post(strand_, [self = shared_from_this()] { self->Abort(Aborted::kCancelled); });
  }

 private:
  enum class Aborted { kNo, kTimeout, kCancelled };

  // How a round trip failed: before the response header (reported with Go's url.Error
  // prefix) or while reading the body (reported bare).
  struct Failure {
    std::string text;
    bool in_body = false;
    bool got_bytes = false;  // some of a response arrived
  };
  struct Exchange {
    ClientResponse response;
    bool keep_alive = false;
  };
  using Outcome = std::variant<Exchange, Failure>;

  static asio::awaitable<void> Run(std::shared_ptr<Call> self) {
    if (self->request_.timeout.count() > 0) {
      self->deadline_.expires_after(self->request_.timeout);
      self->deadline_.async_wait([weak = std::weak_ptr<Call>(self)](boost::system::error_code ec) {
        if (ec) return;
        if (auto call = weak.lock()) call->Abort(Aborted::kTimeout);
      });
    }
    Result<ClientResponse> result = co_await self->Execute();
    self->deadline_.cancel();
    self->finished_ = true;
    auto done = std::move(self->done_);
    done(std::move(result));
  }

  void Abort(Aborted why) {
    if (finished_ || aborted_ != Aborted::kNo) return;
    aborted_ = why;
    resolver_.cancel();
    if (current_) current_->Close();
    if (connecting_) {
      boost::system::error_code ignored;
      connecting_->close(ignored);
    }
  }

  std::string AbortText() const {
    return aborted_ == Aborted::kTimeout ? "context deadline exceeded" : "context canceled";
  }

  asio::awaitable<Result<ClientResponse>> Execute() {
    std::string url = request_.url;
    std::string method = request_.method.empty() ? "GET" : request_.method;
    std::string body = request_.body;
    auto headers = request_.headers;
    const bool decode_gzip = request_.accept_gzip && !HasHeader(headers, "Accept-Encoding");
    auto fail = [&](const std::string& text) {
      return Error(Op(method) + " \"" + url + "\": " + text);
    };
    std::string previous_host;
    for (int redirects = 0;; ++redirects) {
      auto target = ParseTarget(url);
      if (!target.ok()) co_return fail(target.error().message());
      if (!previous_host.empty() && previous_host != target->host) {
        // Go does not forward these to another host; configured credentials are re-added.
        std::erase_if(headers, [](const auto& h) {
          return EqualsIgnoreCase(h.first, "Authorization") ||
                 EqualsIgnoreCase(h.first, "Cookie") ||
                 EqualsIgnoreCase(h.first, "Www-Authenticate");
        });
      }
      previous_host = target->host;

      bhttp::request<bhttp::string_body> req;
      req.method_string(method);
      req.target(target->resource);
      req.version(11);
      req.set(bhttp::field::host, target->host_header);
      for (const auto& [name, value] : headers) req.insert(name, value);
      if (!HasHeader(headers, "Authorization")) {
        auto auth = AuthorizationValue(client_->config_);
        if (!auth.ok()) co_return fail(auth.error().message());
        if (!auth->empty()) req.set(bhttp::field::authorization, *auth);
      }
      if (decode_gzip) req.set(bhttp::field::accept_encoding, "gzip");
      req.body() = body;
      if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
        req.prepare_payload();
      }
      const bool head = method == "HEAD";

      Outcome outcome = co_await RoundTrip(*target, req, head, decode_gzip);
      if (auto* failure = std::get_if<Failure>(&outcome)) {
        if (failure->in_body) co_return Error(failure->text);
        co_return fail(failure->text);
      }
      ClientResponse response = std::move(std::get<Exchange>(outcome).response);
      response.url = url;
      const std::string* location = response.Header("Location");
      if (!client_->config_.follow_redirects || !IsRedirect(response.status) ||
          location == nullptr || location->empty()) {
        co_return response;
      }
      urls::url next;
      auto base = urls::parse_uri(url);
      auto ref = urls::parse_uri_reference(*location);
      if (!ref) {
        co_return fail("failed to parse Location header \"" + *location +
                       "\": " + ref.error().message());
      }
      if (base) urls::resolve(*base, *ref, next);
      std::string next_url(next.buffer());
      if (redirects + 1 > client_->options_.max_redirects) {
        url = next_url;
        co_return fail("stopped after " + std::to_string(client_->options_.max_redirects) +
                       " redirects");
      }
      if (response.status == 301 || response.status == 302 || response.status == 303) {
        // As Go: only GET and HEAD keep their method; the body is not sent again.
        if (method != "GET" && method != "HEAD") method = "GET";
        body.clear();
        std::erase_if(headers, [](const auto& h) {
          return EqualsIgnoreCase(h.first, "Content-Type") ||
                 EqualsIgnoreCase(h.first, "Content-Length");
        });
      }
      url = std::move(next_url);
    }
  }

  // Sends `req` on a pooled connection or a new one; once more on a new one when a reused
  // connection fails before any byte of a response (the server closed it meanwhile).
  asio::awaitable<Outcome> RoundTrip(const Target& target, bhttp::request<bhttp::string_body>& req,
                                     bool head, bool decode_gzip) {
    for (int attempt = 0;; ++attempt) {
      if (aborted_ != Aborted::kNo) co_return Failure{AbortText()};
      std::unique_ptr<ClientConnection> conn;
      if (attempt == 0) conn = client_->pool_.Take(target.pool_key);
      const bool reused = conn != nullptr;
      if (!conn) {
        auto dialed = co_await Dial(target);
        if (auto* failure = std::get_if<Failure>(&dialed)) co_return std::move(*failure);
        conn = std::move(std::get<std::unique_ptr<ClientConnection>>(dialed));
      }
      current_ = conn.get();
      // (Not a conditional expression: GCC 12 miscompiles co_await inside one.)
      std::optional<Outcome> sent;
      if (conn->tls()) {
        sent.emplace(co_await Send(*conn->tls(), *conn, req, head, decode_gzip));
      } else {
        sent.emplace(co_await Send(*conn->plain(), *conn, req, head, decode_gzip));
      }
      Outcome outcome = std::move(*sent);
      current_ = nullptr;
      if (auto* failure = std::get_if<Failure>(&outcome)) {
        if (reused && !failure->got_bytes && aborted_ == Aborted::kNo) continue;
        co_return outcome;
      }
      if (std::get<Exchange>(outcome).keep_alive) {
        client_->pool_.Put(target.pool_key, std::move(conn));
      }
      co_return outcome;
    }
  }

  using Dialed = std::variant<std::unique_ptr<ClientConnection>, Failure>;

  // Resolves, connects and (for https) shakes hands.
  asio::awaitable<Dialed> Dial(const Target& target) {
    auto token = asio::as_tuple(asio::use_awaitable);
    std::vector<tcp::endpoint> endpoints;
    boost::system::error_code ec;
    auto port = static_cast<uint16_t>(std::stoul(target.port));
    auto literal = asio::ip::make_address(target.host, ec);
    if (!ec) {
      endpoints.emplace_back(literal, port);
    } else {
      auto [rec, results] = co_await resolver_.async_resolve(target.host, target.port, token);
      if (aborted_ != Aborted::kNo) co_return Failure{AbortText()};
      if (rec || results.empty()) {
        std::string why = (rec == asio::error::host_not_found || results.empty())
                              ? "no such host"
                              : SyscallText(rec);
        co_return Failure{"dial tcp: lookup " + target.host + ": " + why};
      }
      for (const auto& entry : results) endpoints.push_back(entry.endpoint());
    }

    tcp::socket socket(client_->runtime_.context());
    boost::system::error_code last;
    tcp::endpoint last_endpoint;
    bool connected = false;
    for (const auto& endpoint : endpoints) {
      boost::system::error_code oec;
      socket.close(oec);
      socket.open(endpoint.protocol(), oec);
      if (oec) {
        last = oec;
        last_endpoint = endpoint;
        continue;
      }
      connecting_ = &socket;  // Abort closes it
      auto [cec] = co_await socket.async_connect(endpoint, token);
      connecting_ = nullptr;
      if (aborted_ != Aborted::kNo) co_return Failure{AbortText()};
      if (!cec) {
        connected = true;
        break;
      }
      last = cec;
      last_endpoint = endpoint;
    }
    if (!connected) {
      co_return Failure{"dial tcp " + FormatEndpoint(last_endpoint) +
                        ": connect: " + SyscallText(last)};
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    if (!target.tls) co_return std::make_unique<ClientConnection>(std::move(socket));

    auto stream =
        std::make_unique<asio::ssl::stream<tcp::socket>>(std::move(socket), *client_->tls_);
    Status prepared =
        PrepareTlsConnection(stream->native_handle(), client_->config_.tls_config, target.host);
    if (!prepared.ok()) co_return Failure{prepared.message()};
    auto conn = std::make_unique<ClientConnection>(std::move(stream));
    current_ = conn.get();
    auto [hec] = co_await conn->tls()->async_handshake(asio::ssl::stream_base::client, token);
    current_ = nullptr;
    if (aborted_ != Aborted::kNo) co_return Failure{AbortText()};
    if (hec) {
      co_return Failure{HandshakeErrorText(conn->tls()->native_handle(), hec,
                                           client_->config_.tls_config, target.host)};
    }
    co_return std::move(conn);
  }

  // Go's words for an I/O error on `conn`.
  std::string IoText(const boost::system::error_code& ec, ClientConnection& conn,
                     const char* op) const {
    if (aborted_ != Aborted::kNo) return AbortText();
    if (ec == asio::error::eof || ec == bhttp::error::end_of_stream ||
        ec == asio::ssl::error::stream_truncated) {
      return "EOF";
    }
    if (ec == bhttp::error::partial_message) return "unexpected EOF";
    // By name: the category's address differed between builds (two instances).
    if (std::string_view(ec.category().name()) == "asio.ssl") return TlsErrorText(ec);
    if (ec.category() == asio::error::get_system_category()) {
      return std::string(op) + " tcp " + conn.name() + ": " + op + ": " + SyscallText(ec);
    }
    return ec.message();
  }

  // Writes the request and reads the whole response.
  template <typename Stream>
  asio::awaitable<Outcome> Send(Stream& stream, ClientConnection& conn,
                                bhttp::request<bhttp::string_body>& req, bool head,
                                bool decode_gzip) {
    auto token = asio::as_tuple(asio::use_awaitable);
    auto [wec, wn] = co_await bhttp::async_write(stream, req, token);
    (void)wn;
    if (wec) co_return Failure{IoText(wec, conn, "write")};

    beast::flat_buffer& buffer = conn.buffer();
    std::optional<bhttp::response_parser<bhttp::buffer_body>> parser;
    for (;;) {  // 1xx answers before the real one are skipped, as Go does
      parser.emplace();
      parser->header_limit(static_cast<std::uint32_t>(client_->options_.max_header_bytes));
      parser->body_limit(boost::none);
      if (head) parser->skip(true);
      auto [hec, hn] = co_await bhttp::async_read_header(stream, buffer, *parser, token);
      (void)hn;
      if (hec) {
        bool got = parser->got_some() || buffer.size() > 0;
        if (aborted_ != Aborted::kNo) co_return Failure{AbortText(), false, got};
        if (hec == bhttp::error::header_limit) {
          co_return Failure{"net/http: server response headers exceeded " +
                                std::to_string(client_->options_.max_header_bytes) +
                                " bytes; aborted",
                            false, true};
        }
        if (hec.category() == bhttp::make_error_code(bhttp::error::bad_version).category() &&
            hec != bhttp::error::end_of_stream && hec != bhttp::error::partial_message) {
          co_return Failure{
              "net/http: HTTP/1.x transport connection broken: malformed HTTP response", false,
              true};
        }
        std::string text = IoText(hec, conn, "read");
        if (got && text == "EOF") text = "unexpected EOF";
        co_return Failure{text, false, got};
      }
      int status = parser->get().result_int();
      if (status >= 100 && status < 200 && status != 101) continue;
      break;
    }

    Exchange ex;
    auto& msg = parser->get();
    ex.response.status = msg.result_int();
    ex.response.reason = std::string(msg.reason());
    bool gzipped = false;
    for (const auto& field : msg) {
      if (decode_gzip && field.name() == bhttp::field::content_encoding &&
          EqualsIgnoreCase(field.value(), "gzip")) {
        gzipped = true;
      }
    }
    for (const auto& field : msg) {
      if (gzipped && (field.name() == bhttp::field::content_encoding ||
                      field.name() == bhttp::field::content_length)) {
        continue;
      }
      ex.response.headers.emplace_back(std::string(field.name_string()),
                                       std::string(field.value()));
    }
    ex.response.content_type = std::string(msg[bhttp::field::content_type]);

    const int64_t limit = request_.max_body_bytes;
    std::optional<GzipDecoder> gzip;
    if (gzipped) gzip.emplace(limit);
    std::string& body = ex.response.body;
    // A plain body is read straight into its string, in large steps (each step is a trip
    // through the coroutine and the reactor); a gzipped one through a chunk to inflate.
    std::unique_ptr<char[]> chunk;
    if (gzip) {
      chunk.reset(new char[kGzipChunk]);
    } else if (auto length = parser->content_length()) {
      // The announced length, within reason: a hostile header must not reserve gigabytes.
      uint64_t reserve = std::min<uint64_t>(*length, kMaxBodyReserve);
      if (limit > 0) reserve = std::min<uint64_t>(reserve, static_cast<uint64_t>(limit) + 1);
      body.reserve(static_cast<size_t>(reserve));
    }
    buffer.reserve(kSocketReadRoom);
    while (!parser->is_done()) {
      size_t room;
      char* into;
      if (gzip) {
        room = kGzipChunk;
        into = chunk.get();
      } else {
        if (body.capacity() - body.size() < kMinBodyRead) {
          body.reserve(std::max(body.size() * 2, body.size() + kMinBodyRead));
        }
        // Past the limit by one byte at most: enough to tell that it was exceeded.
        room = body.capacity() - body.size();
        if (limit > 0) {
          room = std::min<size_t>(room, static_cast<size_t>(limit) + 1 - body.size());
        }
        const size_t old = body.size();
        body.resize(old + room);
        into = body.data() + old;
      }
      msg.body().data = into;
      msg.body().size = room;
      auto [rec, rn] = co_await bhttp::async_read(stream, buffer, *parser, token);
      (void)rn;
      if (rec == bhttp::error::need_buffer) rec = {};
      const size_t got = room - msg.body().size;
      if (!gzip) body.resize(body.size() - room + got);
      if (rec) {
        std::string text = IoText(rec, conn, "read");
        if (text == "EOF") text = "unexpected EOF";
        co_return Failure{text, true, true};
      }
      if (gzip) {
        Status st = gzip->Feed(std::string_view(into, got), &body);
        if (!st.ok()) co_return Failure{st.message(), true, true};
      } else if (limit > 0 && static_cast<int64_t>(body.size()) > limit) {
        co_return Failure{"body size limit exceeded", true, true};
      }
    }
    if (buffer.size() == 0) buffer.shrink_to_fit();
    if (gzip) {
      Status st = gzip->Finish();
      if (!st.ok()) co_return Failure{st.message(), true, true};
    }
    ex.keep_alive = parser->keep_alive() && !parser->need_eof() && ex.response.status != 101 &&
                    aborted_ == Aborted::kNo;
    co_return ex;
  }

  std::shared_ptr<HttpClient::Impl> client_;
  ClientRequest request_;
  HttpClient::Callback done_;
  Strand strand_;
  asio::steady_timer deadline_;
  tcp::resolver resolver_;
  // The rest is touched only on strand_.
  ClientConnection* current_ = nullptr;  // the connection in use, closed by Abort
  tcp::socket* connecting_ = nullptr;    // the socket being connected, closed by Abort
  Aborted aborted_ = Aborted::kNo;
  bool finished_ = false;

  friend class HttpClient;
};

struct CallHandle::State {
  std::weak_ptr<Call> call;
};

void CallHandle::Cancel() const {
  if (!state_) return;
  if (auto call = state_->call.lock()) call->Cancel();
}

Result<std::shared_ptr<HttpClient>> HttpClient::Create(IoRuntime& runtime,
                                                       const config::HttpClientConfig& config,
                                                       ClientOptions options) {
  if (!config.proxy_url.empty()) {
    return Error("proxy_url is not supported by tsdbd's HTTP client");
  }
  if (config.oauth2) return Error("oauth2 is not supported by tsdbd's HTTP client");
  auto tls = MakeClientTlsContext(config.tls_config);
  if (!tls.ok()) return tls.error();
  auto impl = std::make_shared<Impl>(runtime, config, options, std::move(*tls));
  return std::shared_ptr<HttpClient>(new HttpClient(std::move(impl)));
}

HttpClient::~HttpClient() = default;

CallHandle HttpClient::Do(ClientRequest request, Callback done) {
  auto call = std::make_shared<Call>(impl_, std::move(request), std::move(done));
  auto state = std::make_shared<CallHandle::State>();
  state->call = call;
  call->Start();
  return CallHandle(std::move(state));
}

size_t HttpClient::IdleConnections() const {
  return impl_->pool_.Idle();
}

}  // namespace tsdbd::net
