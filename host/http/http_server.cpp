// Server: `threads` I/O threads, each running its own io_context (a lane);
// the acceptor deals connections out to the lanes in turn. A connection
// lives on one lane, so its reads, writes and its handler call never
// overlap, with no strand and no lock; and a lane's work never wakes another
// lane (only a new connection's start is posted once to its lane). One
// io_context shared by several threads wakes a thread for every handler it
// queues, which cost about a tenth of a webhook's CPU.
//
// Destruction order matters: the accept pending on lane 0 holds a socket of
// the lane it was dealt to, so lane 0 goes first (Impl's destructor).
//
// A connection reads one request (header first, so a Content-Length over
// max_body is refused before the body is read), calls the handler and then
// reads nothing until the response is written: no pipelining.
//
// Lifetimes, the tricky part. A handler may keep its Respond and call it
// from any thread, even after the server is gone. So a Respond holds the
// connection only weakly (PendingResponse); while it waits the connection
// keeps itself alive (Connection::awaiting_). All Responds of a server share
// one Gate: stop() closes it first, so from then on no Respond touches an
// io_context, and only then lets the connections go. Pending operations
// still queued in the stopped io_contexts are destroyed with them, and the
// connections with them, while the io_contexts still exist.
//
// Closing after an error (400, 413) or on "Connection: close" shuts down the
// sending side and drains what the client still sends for a moment, so the
// client reads our answer rather than a reset.
#include "http/http_server.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace weir::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Executor = asio::io_context::executor_type;

// How long a closing connection drains what the client still sends.
constexpr std::chrono::milliseconds kLingerTime{1000};
// What a connection's read buffer holds from the start (it grows as needed).
constexpr std::size_t kReadBuffer = 8192;
// How long the accept loop rests after an error such as "too many open files".
constexpr std::chrono::milliseconds kAcceptBackoff{100};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string endpoint_text(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  const std::string ip = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return ip + ":" + std::to_string(endpoint.port());
}

class Connection;

// Lets late Responds know the server has stopped, and carries responses from
// the handlers' threads to the lanes. Shared by the server and every
// PendingResponse.
//
// Responses wait in their lane's outbox; the first one into an empty outbox
// posts one drain to the lane, which writes them all. A commit that answers
// 30 webhooks thus wakes a lane once, not 30 times.
struct Gate {
  struct Outbox {
    asio::io_context* ioc = nullptr;  // touched only while the gate is open
    std::vector<std::pair<std::weak_ptr<Connection>, Response>> responses;
  };
  explicit Gate(const std::vector<std::unique_ptr<asio::io_context>>& lanes) {
    for (const auto& ioc : lanes) outboxes.push_back(Outbox{ioc.get(), {}});
  }
  std::mutex mu;
  bool open = true;             // guarded by mu
  std::vector<Outbox> outboxes;  // one per lane; guarded by mu

  // With mu held and open.
  void queue(std::size_t lane, std::weak_ptr<Connection> connection, Response r,
             const std::shared_ptr<Gate>& self);
  void drain(std::size_t lane);  // on that lane's thread
};

// What every connection of one server reads. Lives in Server::Impl, which
// outlives all connections (they die at the latest with its io_context).
struct ConnectionSettings {
  std::size_t max_body = 0;
  std::chrono::milliseconds read_timeout{0};
  Handler handler;
  std::function<void(const std::string&, int)> on_refused;
  std::shared_ptr<Gate> gate;
};

bool is_parse_error(const beast::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
         ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

Request to_request(bhttp::request<bhttp::string_body>&& msg, std::string remote) {
  Request r;
  r.method = std::string(msg.method_string());
  r.target = std::string(msg.target());
  r.path = r.target.substr(0, r.target.find('?'));
  for (const auto& field : msg)
    r.headers[lower(std::string(field.name_string()))] = std::string(field.value());
  r.body = std::move(msg.body());
  r.remote = std::move(remote);
  return r;
}

// A final status outside 200..999 cannot be sent; it becomes a 500 saying so.
bhttp::response<bhttp::string_body> to_message(Response r, unsigned version, bool keep_alive,
                                               bool head) {
  if (r.status < 200 || r.status > 999) {
    const int invalid = r.status;
    r = Response{};
    r.status = 500;
    r.body = "handler answered invalid status " + std::to_string(invalid) + "\n";
  }
  bhttp::response<bhttp::string_body> res;
  res.version(version);
  res.result(static_cast<unsigned>(r.status));
  res.set(bhttp::field::server, "weir");
  if (!r.content_type.empty()) res.set(bhttp::field::content_type, r.content_type);
  for (const auto& [name, value] : r.headers) res.insert(name, value);
  res.keep_alive(keep_alive);
  if (r.status == 204 || r.status == 304) return res;  // no body, no Content-Length
  res.body() = std::move(r.body);
  res.prepare_payload();
  if (head) res.body().clear();  // Content-Length stays: the size a GET would get
  return res;
}

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // `socket` was accepted onto lane `lane`, whose executor is `executor`.
  Connection(std::size_t lane, Executor executor, tcp::socket socket,
             const ConnectionSettings& settings)
      : lane_(lane), executor_(std::move(executor)), stream_(std::move(socket)),
        settings_(settings) {
    beast::error_code ec;
    remote_ = endpoint_text(stream_.socket().remote_endpoint(ec));
    stream_.socket().set_option(tcp::no_delay(true), ec);
    // Beast reads max(512, free capacity) bytes at a time: room for an
    // order-sized webhook and its headers takes them in one recv, not five.
    buffer_.reserve(kReadBuffer);
  }

  void start() {
    asio::dispatch(executor_, [self = shared_from_this()] { self->read_request(); });
  }

  // On this connection's lane (the outbox's drain).
  void write_response(Response r) {
    awaiting_.reset();  // the drain holds us now
    send(to_message(std::move(r), version_, keep_alive_, head_));
  }

  // From stop(), once no I/O thread runs, or on its lane when its response
  // cannot be written: drop the connection.
  void abandon() {
    awaiting_.reset();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

 private:
  void read_request() {
    parser_.emplace();
    parser_->body_limit(settings_.max_body);
    stream_.expires_after(settings_.read_timeout);  // for the whole request
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    const auto& req = parser_->get();
    if (req.version() >= 11 && beast::iequals(req[bhttp::field::expect], "100-continue")) {
      continue_.emplace(bhttp::status::continue_, req.version());
      bhttp::async_write(stream_, *continue_,
                         [self = shared_from_this()](beast::error_code write_ec, std::size_t) {
                           if (!write_ec) self->read_body();
                         });
      return;
    }
    read_body();
  }

  void read_body() {
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_body(ec); });
  }

  // Answers what deserves an answer. After end of stream, a reset or the
  // read timeout there is no one to answer: the last reference goes, and
  // with it the socket.
  void on_read_error(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) {
      return refuse(413,
                    "request body larger than " + std::to_string(settings_.max_body) + " bytes");
    }
    if (ec == bhttp::error::header_limit) return refuse(431, "request header too large");
    if (is_parse_error(ec)) return refuse(400, "malformed request: " + ec.message());
  }

  void on_body(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    stream_.expires_never();  // the handler may take its time
    auto msg = parser_->release();
    version_ = msg.version();
    keep_alive_ = msg.keep_alive();
    head_ = msg.method() == bhttp::verb::head;
    call_handler(to_request(std::move(msg), remote_));
  }

  void call_handler(Request request);

  void refuse(int status, const std::string& why) {
    if (settings_.on_refused) {
      std::string path;  // the request line is parsed before the limits are checked
      if (parser_) {
        const auto target = parser_->get().target();
        path = std::string(target.substr(0, target.find('?')));
      }
      settings_.on_refused(path, status);
    }
    Response r;
    r.status = status;
    r.body = why + "\n";
    send(to_message(std::move(r), 11, false, false));
  }

  void send(bhttp::response<bhttp::string_body> res) {
    response_ = std::move(res);
    stream_.expires_after(settings_.read_timeout);  // a client that does not read
    bhttp::async_write(
        stream_, *response_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_written(ec); });
  }

  void on_written(beast::error_code ec) {
    const bool close = response_->need_eof();
    response_.reset();
    if (ec) return;
    if (close) return linger();
    read_request();
  }

  void linger() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(std::min(settings_.read_timeout, kLingerTime));
    drain();
  }

  void drain() {
    stream_.async_read_some(asio::buffer(drain_buffer_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (!ec) self->drain();
                            });
  }

  const std::size_t lane_;
  const Executor executor_;  // the lane's; the stream's too
  beast::tcp_stream stream_;
  const ConnectionSettings& settings_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::response<bhttp::empty_body>> continue_;
  std::optional<bhttp::response<bhttp::string_body>> response_;
  std::array<char, 4096> drain_buffer_{};
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool head_ = false;
  // Set while the handler owes a response: keeps this connection alive
  // though the Respond holds it only weakly. On the lane, or in stop().
  std::shared_ptr<Connection> awaiting_;
};

// The one response a handler owes, shared by the copies of its Respond. The
// first call wins; if the last copy goes without a call, the client gets 500.
class PendingResponse {
 public:
  PendingResponse(std::shared_ptr<Gate> gate, std::size_t lane,
                  std::weak_ptr<Connection> connection)
      : gate_(std::move(gate)), lane_(lane), connection_(std::move(connection)) {}
  ~PendingResponse() {
    Response r;
    r.status = 500;
    r.body = "no response\n";
    deliver(std::move(r));
  }
  PendingResponse(const PendingResponse&) = delete;
  PendingResponse& operator=(const PendingResponse&) = delete;

  void deliver(Response r) {
    std::lock_guard lock(gate_->mu);
    if (answered_ || !gate_->open) return;
    answered_ = true;
    gate_->queue(lane_, connection_, std::move(r), gate_);
  }

 private:
  std::shared_ptr<Gate> gate_;
  const std::size_t lane_;
  std::weak_ptr<Connection> connection_;
  bool answered_ = false;  // guarded by gate_->mu
};

// A non-empty outbox always has a drain on its way: should the post throw,
// the response is taken back out, so the next one posts again.
void Gate::queue(std::size_t lane, std::weak_ptr<Connection> connection, Response r,
                 const std::shared_ptr<Gate>& self) {
  Outbox& box = outboxes[lane];
  const bool first = box.responses.empty();
  box.responses.emplace_back(std::move(connection), std::move(r));
  if (!first) return;
  try {
    asio::post(*box.ioc, [self, lane] { self->drain(lane); });
  } catch (...) {
    box.responses.pop_back();
    throw;
  }
}

void Gate::drain(std::size_t lane) {
  std::vector<std::pair<std::weak_ptr<Connection>, Response>> ready;
  {
    std::lock_guard lock(mu);
    ready.swap(outboxes[lane].responses);
  }
  for (auto& [weak, response] : ready) {
    auto connection = weak.lock();
    if (!connection) continue;
    try {
      connection->write_response(std::move(response));
    } catch (...) {
      // One response that cannot be written (no memory, a header Beast
      // refuses) costs its own connection, not the rest of the batch.
      connection->abandon();
    }
  }
}

void Connection::call_handler(Request request) {
  awaiting_ = shared_from_this();
  auto pending = std::make_shared<PendingResponse>(settings_.gate, lane_, weak_from_this());
  Respond respond = [pending](Response r) { pending->deliver(std::move(r)); };
  try {
    settings_.handler(std::move(request), std::move(respond));
  } catch (...) {
    // A throwing handler must not end an I/O thread; its Respond, if
    // dropped unanswered, answers 500.
  }
}

}  // namespace

std::string Request::header(std::string name) const {
  const auto it = headers.find(lower(std::move(name)));
  return it == headers.end() ? "" : it->second;
}

struct Server::Impl {
  Impl(ServerOptions options, Handler handler) : options(std::move(options)) {
    for (int i = 0; i < std::max(1, this->options.threads); ++i) {
      lanes.push_back(std::make_unique<asio::io_context>(1));  // one thread each
    }
    backoff.emplace(*lanes.front());
    settings.max_body = this->options.max_body;
    settings.read_timeout = this->options.read_timeout;
    settings.handler = std::move(handler);
    settings.on_refused = this->options.on_refused;
    settings.gate = std::make_shared<Gate>(lanes);
  }

  ~Impl() {
    // The accept pending on lane 0 holds a socket of another lane: lane 0
    // (with what is queued in it) must go before the others.
    acceptor.reset();
    backoff.reset();
    for (auto& lane : lanes) lane.reset();
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  Status listen();
  void accept();
  void run_io(asio::io_context& ioc);

  // Declared before the lanes: connections destroyed with a lane still read them.
  const ServerOptions options;
  ConnectionSettings settings;
  std::vector<std::unique_ptr<asio::io_context>> lanes;  // the acceptor is on the first
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::steady_timer> backoff;
  std::vector<asio::executor_work_guard<Executor>> work;
  std::vector<std::thread> threads;
  bool running = false;  // owner's thread only
  bool stopped = false;  // owner's thread only
  tcp::endpoint bound;
  // Touched only by the accept loop (one accept at a time) and by stop()
  // after the I/O threads are joined.
  std::vector<std::weak_ptr<Connection>> connections;
  std::size_t prune_at = 64;
  std::size_t next_lane = 0;
};

Status Server::Impl::listen() {
  const std::string where = options.address + ":" + std::to_string(options.port);
  auto failed = [&](const char* step, const beast::error_code& ec) {
    std::string why = ec.message();
    if (!why.empty()) why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
    return Status::error(where + ": " + step + why);
  };
  beast::error_code ec;
  const auto ip = asio::ip::make_address(options.address, ec);
  if (ec) return failed("invalid address: ", ec);
  const tcp::endpoint endpoint(ip, options.port);
  acceptor.emplace(*lanes.front());
  if (acceptor->open(endpoint.protocol(), ec); ec) return failed("open: ", ec);
  acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (acceptor->bind(endpoint, ec); ec) return failed("", ec);
  if (acceptor->listen(asio::socket_base::max_listen_connections, ec); ec) {
    return failed("listen: ", ec);
  }
  bound = acceptor->local_endpoint(ec);
  if (ec) return failed("", ec);
  return Status::ok();
}

void Server::Impl::accept() {
  const std::size_t lane = next_lane;
  next_lane = (next_lane + 1) % lanes.size();
  Executor executor = lanes[lane]->get_executor();
  acceptor->async_accept(executor, [this, lane, executor](beast::error_code ec,
                                                          tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (ec) {
      backoff->expires_after(kAcceptBackoff);
      backoff->async_wait([this](beast::error_code wait_ec) {
        if (!wait_ec) accept();
      });
      return;
    }
    auto connection = std::make_shared<Connection>(lane, executor, std::move(socket), settings);
    if (connections.size() >= prune_at) {
      std::erase_if(connections, [](const auto& weak) { return weak.expired(); });
      prune_at = std::max<std::size_t>(64, 2 * connections.size());
    }
    connections.push_back(connection);
    connection->start();
    accept();
  });
}

void Server::Impl::run_io(asio::io_context& ioc) {
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (...) {
      // Nothing of ours throws; should something, keep the thread serving.
    }
  }
}

Server::Server(ServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() { stop(); }

Status Server::start() {
  if (impl_->running || impl_->stopped) {
    return Status::error(address() + ": server already " +
                         (impl_->running ? "started" : "stopped"));
  }
  if (Status s = impl_->listen(); !s) {
    impl_->acceptor.reset();
    return s;
  }
  impl_->running = true;
  for (auto& lane : impl_->lanes) impl_->work.emplace_back(lane->get_executor());
  impl_->accept();
  for (auto& lane : impl_->lanes) {
    impl_->threads.emplace_back([impl = impl_.get(), ioc = lane.get()] { impl->run_io(*ioc); });
  }
  return Status::ok();
}

void Server::stop() {
  if (!impl_->running) return;
  impl_->running = false;
  impl_->stopped = true;
  {
    std::lock_guard lock(impl_->settings.gate->mu);
    impl_->settings.gate->open = false;  // from here, Responds are dropped
  }
  impl_->work.clear();
  for (auto& lane : impl_->lanes) lane->stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  // No I/O thread runs now: the acceptor and the connections are ours.
  beast::error_code ec;
  impl_->acceptor->close(ec);
  for (const auto& weak : impl_->connections) {
    if (auto connection = weak.lock()) connection->abandon();
  }
  impl_->connections.clear();
}

std::uint16_t Server::port() const {
  return impl_->acceptor ? impl_->bound.port() : impl_->options.port;
}

std::string Server::address() const {
  if (impl_->acceptor) return endpoint_text(impl_->bound);
  return impl_->options.address + ":" + std::to_string(impl_->options.port);
}

}  // namespace weir::http
