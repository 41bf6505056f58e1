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
// max_body, or over what max_buffered has left, is refused before the body
// is read), calls the handler and then reads nothing until the response is
// written: no pipelining. It reads in parts (http::async_read_some), so each
// part that arrives is progress (for the choice of whom to close at the
// cap) and moves the body's deadline.
//
// The cap (ConnectionTable). A connection is in the table from its accept
// to its destruction, so the table's size bounds the sockets we hold. When
// it is full the acceptor does not accept; when a new client knocks (the
// listening socket is readable), it asks the connection with the oldest
// progress among those that may be closed (idle, reading, closing) to
// close, on its own lane, and accepts as soon as a connection leaves the
// table. New connections wait in the kernel's listen queue meanwhile, as
// they do while accept rests after an error (EMFILE).
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
// Closing after an error (400, 413, 503) or on "Connection: close" shuts
// down the sending side and drains what the client still sends for a moment
// (into a fixed buffer), so the client reads our answer rather than a reset.
#include "http/http_server.hpp"

#include <poll.h>
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <atomic>
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
using Clock = std::chrono::steady_clock;

// How long a closing connection drains what the client still sends.
constexpr std::chrono::milliseconds kLingerTime{1000};
// What a connection's read buffer holds from the start (it grows as needed).
constexpr std::size_t kReadBuffer = 8192;
// How long the accept loop rests after an error such as "too many open
// files", or at the cap when no connection could be closed to make room.
constexpr std::chrono::milliseconds kAcceptBackoff{100};
// Notes about the same trouble (closing for room, accept errors) at most this often.
constexpr std::chrono::seconds kNoteEvery{10};

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

std::int64_t ticks(Clock::time_point t) { return t.time_since_epoch().count(); }

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

// Counts behind ServerStats; any thread.
struct Counters {
  std::atomic<std::size_t> buffered{0};  // body bytes held by connections reading them
  std::atomic<std::uint64_t> closed_for_room{0};
  std::atomic<std::uint64_t> refused_buffered{0};
  std::atomic<std::uint64_t> timed_out{0};
  std::atomic<std::uint64_t> accept_errors{0};
};

// The open connections, for the cap: the acceptor asks it for room; each
// connection joins it when accepted and leaves it when destroyed.
class ConnectionTable {
 public:
  // `wake` gets the acceptor going again (posts to its lane).
  ConnectionTable(std::size_t cap, std::function<void()> wake)
      : cap_(cap), wake_(std::move(wake)) {}

  std::size_t cap() const { return cap_; }
  std::size_t size() const {
    std::lock_guard lock(mu_);
    return open_.size();
  }
  bool full() const { return size() >= cap_; }
  void join(Connection* c);
  // From ~Connection before anything of it is gone: make_room() may be
  // looking at it under mu_.
  void leave(Connection* c);
  // At the cap, on the acceptor's lane: asks the connection with the oldest
  // progress among those that may be closed (if any) to close, and has the
  // next leave() wake the acceptor.
  void make_room();
  // From stop(): no more wakes; the connections still open, to abandon.
  std::vector<std::shared_ptr<Connection>> close();

 private:
  const std::size_t cap_;
  const std::function<void()> wake_;
  mutable std::mutex mu_;
  std::vector<Connection*> open_;  // guarded by mu_; Connection::slot_ is the index
  bool wake_on_leave_ = false;     // guarded by mu_
  bool closed_ = false;            // guarded by mu_
};

// Rate-limits a note about one kind of trouble: the first at once, then a
// count at most every kNoteEvery. Any thread.
class NoteLimiter {
 public:
  // The note to give now ("" for none): `text` with how often it happened.
  std::string add(const std::string& text) {
    std::lock_guard lock(mu_);
    ++count_;
    const auto now = Clock::now();
    if (now - last_ < kNoteEvery) return "";
    const std::uint64_t n = std::exchange(count_, 0);
    last_ = now;
    return n == 1 ? text : text + " (" + std::to_string(n) + " times since the last note)";
  }

 private:
  std::mutex mu_;
  Clock::time_point last_{};  // guarded by mu_
  std::uint64_t count_ = 0;   // guarded by mu_
};

// What every connection of one server reads. Lives in Server::Impl, which
// outlives all connections (they die at the latest with its io_context).
struct ConnectionSettings {
  ServerOptions limits;  // the timeouts, max_body, max_buffered in force
  Handler handler;
  std::shared_ptr<Gate> gate;
  std::unique_ptr<ConnectionTable> table;
  Counters counters;
  NoteLimiter room_notes;
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
  // Where a connection is; the first four may be closed to make room.
  enum Phase : int { kIdle, kHeader, kBody, kLinger, kHandler, kWriting };

  // `socket` was accepted onto lane `lane`, whose executor is `executor`.
  Connection(std::size_t lane, Executor executor, tcp::socket socket,
             ConnectionSettings& settings)
      : lane_(lane), executor_(std::move(executor)), stream_(std::move(socket)),
        settings_(settings), started_(Clock::now()) {
    beast::error_code ec;
    remote_ = endpoint_text(stream_.socket().remote_endpoint(ec));
    stream_.socket().set_option(tcp::no_delay(true), ec);
    // Beast reads max(512, free capacity) bytes at a time: room for an
    // order-sized webhook and its headers takes them in one recv, not five.
    buffer_.reserve(kReadBuffer);
    progress_.store(ticks(started_), std::memory_order_relaxed);
    settings_.table->join(this);
  }
  ~Connection() {
    settings_.table->leave(this);
    release_buffered();
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void start() {
    asio::dispatch(executor_, [self = shared_from_this()] { self->next_request(true); });
  }

  // On this connection's lane (the outbox's drain).
  void write_response(Response r) {
    awaiting_.reset();  // the drain holds us now
    send(to_message(std::move(r), version_, keep_alive_, head_));
  }

  // Drops the connection: from stop(), once no I/O thread runs; on its lane
  // when its response cannot be written, or to make room at the cap.
  void abandon() {
    awaiting_.reset();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  std::size_t slot_ = 0;  // its index in the table; guarded by the table's lock
  // Read by the table under its lock, from the acceptor's lane.
  bool closable() const {
    return phase_.load(std::memory_order_relaxed) <= kLinger &&
           !closing_.load(std::memory_order_relaxed);
  }
  // Lower: a better one to close (closing ones first, then the oldest progress).
  std::int64_t close_rank() const {
    if (phase_.load(std::memory_order_relaxed) == kLinger) return INT64_MIN;
    return progress_.load(std::memory_order_relaxed);
  }
  // Asks the connection, from any thread, to close on its lane if it still
  // may. Not under the table's lock: should this be the last reference, the
  // destructor takes that lock.
  static void close_for_room(std::shared_ptr<Connection> c) {
    c->closing_.store(true, std::memory_order_relaxed);
    asio::post(c->executor_, [c] {
      if (c->phase_.load(std::memory_order_relaxed) > kLinger) {
        c->closing_.store(false, std::memory_order_relaxed);  // it got busy meanwhile
        return;
      }
      ++c->settings_.counters.closed_for_room;
      const auto& limits = c->settings_.limits;
      const std::string note = c->settings_.room_notes.add(
          "all " + std::to_string(c->settings_.table->cap()) +
          " connections (http.max_connections) were open: closed the one idle or slow for "
          "the longest to make room for a new client");
      if (!note.empty() && limits.on_note) limits.on_note(NoteLevel::warning, note);
      c->abandon();
    });
  }

 private:
  void set_phase(Phase p) {
    phase_.store(p, std::memory_order_relaxed);
    progress_.store(ticks(Clock::now()), std::memory_order_relaxed);
  }
  void progressed() { progress_.store(ticks(Clock::now()), std::memory_order_relaxed); }

  // The next request: its headers must be in within header_timeout, counted
  // from the connection's start for the first, else from its first byte (a
  // kept-alive connection waits for that up to idle_timeout).
  void next_request(bool first) {
    parser_.emplace();
    parser_->body_limit(settings_.limits.max_body);
    if (first) {
      stream_.expires_at(started_ + settings_.limits.header_timeout);
    } else if (buffer_.size() == 0) {
      set_phase(kIdle);
      stream_.expires_after(settings_.limits.idle_timeout);
      stream_.async_read_some(buffer_.prepare(kReadBuffer),
                              [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                if (ec) return self->on_read_error(ec);
                                self->buffer_.commit(n);
                                self->stream_.expires_after(self->settings_.limits.header_timeout);
                                self->read_header();
                              });
      return;
    } else {
      stream_.expires_after(settings_.limits.header_timeout);
    }
    read_header();
  }

  void read_header() {
    set_phase(kHeader);
    bhttp::async_read_some(stream_, buffer_, *parser_,
                           [self = shared_from_this()](beast::error_code ec, std::size_t) {
                             if (ec) return self->on_read_error(ec);
                             self->progressed();
                             if (!self->parser_->is_header_done()) return self->read_header();
                             self->on_header();
                           });
  }

  void on_header() {
    if (!account_body()) return refuse_buffered();
    if (const auto coming = parser_->content_length_remaining()) {
      const std::size_t now = settings_.counters.buffered.load(std::memory_order_relaxed);
      if (now + *coming > settings_.limits.max_buffered) return refuse_buffered();
    }
    body_start_ = Clock::now();
    phase_.store(kBody, std::memory_order_relaxed);
    set_body_deadline();
    const auto& req = parser_->get();
    if (!parser_->is_done() && req.version() >= 11 &&
        beast::iequals(req[bhttp::field::expect], "100-continue")) {
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
    if (parser_->is_done()) return on_body();
    bhttp::async_read_some(stream_, buffer_, *parser_,
                           [self = shared_from_this()](beast::error_code ec, std::size_t) {
                             if (ec) return self->on_read_error(ec);
                             self->progressed();
                             if (!self->account_body()) return self->refuse_buffered();
                             self->set_body_deadline();
                             self->read_body();
                           });
  }

  // body_timeout from the end of the headers, plus a second per
  // min_body_rate bytes received: a slow but steady sender gets the time its
  // body needs (at most max_body / min_body_rate more), a stalled one none.
  void set_body_deadline() {
    auto deadline = body_start_ + settings_.limits.body_timeout;
    if (settings_.limits.min_body_rate > 0) {
      const auto bytes = static_cast<std::int64_t>(parser_->get().body().size());
      deadline += std::chrono::milliseconds(
          bytes * 1000 / static_cast<std::int64_t>(settings_.limits.min_body_rate));
    }
    stream_.expires_at(deadline);
  }

  // Counts the body bytes received since the last call against
  // max_buffered; false when they do not fit.
  bool account_body() {
    const std::size_t size = parser_->get().body().size();
    if (size <= buffered_) return true;
    const std::size_t more = size - buffered_;
    buffered_ = size;
    const std::size_t total =
        settings_.counters.buffered.fetch_add(more, std::memory_order_relaxed) + more;
    return total <= settings_.limits.max_buffered;
  }

  void release_buffered() {
    if (buffered_ == 0) return;
    settings_.counters.buffered.fetch_sub(buffered_, std::memory_order_relaxed);
    buffered_ = 0;
  }

  // Answers what deserves an answer. After end of stream, a reset, a close
  // to make room or a timeout there is no one to answer: the last reference
  // goes, and with it the socket.
  void on_read_error(beast::error_code ec) {
    if (ec == beast::error::timeout) ++settings_.counters.timed_out;
    if (ec == bhttp::error::body_limit) {
      return refuse(413, "request body larger than " + std::to_string(settings_.limits.max_body) +
                             " bytes");
    }
    if (ec == bhttp::error::header_limit) return refuse(431, "request header too large");
    if (is_parse_error(ec)) return refuse(400, "malformed request: " + ec.message());
  }

  void on_body() {
    release_buffered();  // the body is the handler's now
    stream_.expires_never();  // the handler may take its time
    phase_.store(kHandler, std::memory_order_relaxed);
    auto msg = parser_->release();
    version_ = msg.version();
    keep_alive_ = msg.keep_alive();
    head_ = msg.method() == bhttp::verb::head;
    call_handler(to_request(std::move(msg), remote_));
  }

  void call_handler(Request request);

  // 503: the bodies being read hold max_buffered. The sender may try again
  // soon; what it sent is dropped, and the rest is drained, not kept.
  void refuse_buffered() {
    ++settings_.counters.refused_buffered;
    refuse(503,
           "the server is reading too many request bodies right now (http.max_buffered " +
               std::to_string(settings_.limits.max_buffered) + " bytes); try again shortly",
           {{"Retry-After", "1"}});
  }

  void refuse(int status, const std::string& why,
              std::vector<std::pair<std::string, std::string>> headers = {}) {
    std::string path;  // the request line is parsed before the limits are checked
    if (parser_) {
      const auto target = parser_->get().target();
      path = std::string(target.substr(0, target.find('?')));
    }
    parser_.reset();  // frees what the body holds
    release_buffered();
    if (settings_.limits.on_refused) settings_.limits.on_refused(path, status);
    Response r;
    r.status = status;
    r.body = why + "\n";
    r.headers = std::move(headers);
    send(to_message(std::move(r), 11, false, false));
  }

  void send(bhttp::response<bhttp::string_body> res) {
    set_phase(kWriting);
    response_ = std::move(res);
    stream_.expires_after(settings_.limits.send_timeout);  // a client that does not read
    bhttp::async_write(
        stream_, *response_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_written(ec); });
  }

  void on_written(beast::error_code ec) {
    const bool close = response_->need_eof();
    response_.reset();
    if (ec) return;
    if (close) return linger();
    next_request(false);
  }

  void linger() {
    set_phase(kLinger);
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(kLingerTime);
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
  ConnectionSettings& settings_;
  const Clock::time_point started_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::response<bhttp::empty_body>> continue_;
  std::optional<bhttp::response<bhttp::string_body>> response_;
  std::array<char, 4096> drain_buffer_{};
  Clock::time_point body_start_{};
  std::size_t buffered_ = 0;  // this request's body bytes counted in Counters::buffered
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool head_ = false;
  // Written on the lane, read by the acceptor (make_room) under the table's lock.
  std::atomic<int> phase_{kHeader};
  std::atomic<std::int64_t> progress_{0};  // steady clock ticks of the last progress
  std::atomic<bool> closing_{false};       // asked to close for room
  // Set while the handler owes a response: keeps this connection alive
  // though the Respond holds it only weakly. On the lane, or in stop().
  std::shared_ptr<Connection> awaiting_;
};

void ConnectionTable::join(Connection* c) {
  std::lock_guard lock(mu_);
  c->slot_ = open_.size();
  open_.push_back(c);
}

void ConnectionTable::leave(Connection* c) {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    open_[c->slot_] = open_.back();
    open_[c->slot_]->slot_ = c->slot_;
    open_.pop_back();
    wake = std::exchange(wake_on_leave_, false) && !closed_;
  }
  if (wake) wake_();
}

void ConnectionTable::make_room() {
  std::shared_ptr<Connection> victim;
  {
    std::lock_guard lock(mu_);
    wake_on_leave_ = true;
    Connection* best = nullptr;
    for (Connection* c : open_) {
      if (c->closable() && (!best || c->close_rank() < best->close_rank())) best = c;
    }
    // Empty when its last reference is going right now: then it is about to
    // leave, which wakes the acceptor all the same.
    if (best) victim = best->weak_from_this().lock();
  }
  if (victim) Connection::close_for_room(std::move(victim));
}

std::vector<std::shared_ptr<Connection>> ConnectionTable::close() {
  std::vector<std::shared_ptr<Connection>> out;
  std::lock_guard lock(mu_);
  closed_ = true;
  for (Connection* c : open_) {
    if (auto s = c->weak_from_this().lock()) out.push_back(std::move(s));
  }
  return out;
}

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

// Raises the soft limit on open files to the hard one (as nginx's
// worker_rlimit_nofile would) and returns the limit in force.
struct FdLimit {
  rlim_t before = 0;
  rlim_t now = 0;
};

FdLimit raise_fd_limit() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) != 0) return {};
  FdLimit out{r.rlim_cur, r.rlim_cur};
  if (r.rlim_cur < r.rlim_max) {
    rlimit raised = r;
    raised.rlim_cur = r.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) out.now = r.rlim_max;
  }
  return out;
}

std::string mb(std::size_t bytes) {
  return bytes % (1024 * 1024) == 0 ? std::to_string(bytes / (1024 * 1024)) + " MB"
                                     : std::to_string(bytes) + " bytes";
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
    settings.limits = this->options;
    settings.limits.max_buffered = std::max(this->options.max_buffered, this->options.max_body);
    settings.handler = std::move(handler);
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
  void set_limits();
  void accept();
  void accepted(std::size_t lane, tcp::socket socket);
  void accept_failed(const beast::error_code& ec);
  bool client_waiting();
  void rest_then_accept();
  void note(NoteLevel level, const std::string& text) const {
    if (!text.empty() && options.on_note) options.on_note(level, text);
  }
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
  // The accept loop's, on lane 0 (and start() before the threads run).
  bool accepting = false;  // an async_accept is pending
  bool watching = false;   // at the cap: waiting for a client to knock
  bool resting = false;    // the backoff timer is set
  std::size_t next_lane = 0;
  NoteLimiter accept_notes;
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
  acceptor->non_blocking(true, ec);  // for accept(): the async ones do not mind
  if (ec) return failed("", ec);
  bound = acceptor->local_endpoint(ec);
  if (ec) return failed("", ec);
  return Status::ok();
}

// The cap fits under the file-descriptor limit, leaving kReservedFds (or
// half of a very low limit) to the store, plugins and sockets of the host.
void Server::Impl::set_limits() {
  const FdLimit fds = raise_fd_limit();
  const std::size_t limit = fds.now == RLIM_INFINITY || fds.now == 0
                                ? SIZE_MAX
                                : static_cast<std::size_t>(fds.now);
  const std::size_t room = limit > 2 * kReservedFds ? limit - kReservedFds : limit / 2;
  const std::size_t wanted = options.max_connections ? options.max_connections
                                                     : kDefaultMaxConnections;
  const std::size_t cap = std::max<std::size_t>(1, std::min(wanted, room));
  settings.table = std::make_unique<ConnectionTable>(cap, [this] {
    asio::post(*lanes.front(), [this] { accept(); });
  });
  std::string text = "at most " + std::to_string(cap) + " connections";
  if (cap < wanted) {
    text += " (" + std::to_string(wanted) + " asked for; the file-descriptor limit is " +
            std::to_string(limit) + ")";
  }
  text += ", " + mb(settings.limits.max_buffered) + " of request bodies being read";
  if (fds.now != fds.before) {
    text += "; open-file limit raised from " + std::to_string(fds.before) + " to " +
            std::to_string(fds.now);
  }
  note(NoteLevel::info, text);
}

// One accept at a time, on lane 0. A client already waiting is taken at
// once with a non-blocking accept: the reactor reports a listening socket
// only when it becomes readable (edge-triggered), and that edge may have
// passed while accept rested after an error, so waiting for the reactor
// alone would leave those clients waiting for the next one to come.
//
// At the cap it accepts nothing: once a client waits in the listen queue it
// asks a connection to close and accepts when one leaves (ConnectionTable
// wakes it), or looks again after a rest should none leave (all busy, or
// the one asked got busy meanwhile).
void Server::Impl::accept() {
  if (accepting || watching || !acceptor || !acceptor->is_open()) return;
  if (settings.table->full()) {
    if (client_waiting()) {
      settings.table->make_room();
      return rest_then_accept();
    }
    watching = true;
    acceptor->async_wait(tcp::acceptor::wait_read, [this](beast::error_code ec) {
      watching = false;
      if (!ec) accept();  // else stopped
    });
    return;
  }
  const std::size_t lane = next_lane;
  Executor executor = lanes[lane]->get_executor();
  tcp::socket socket(executor);
  beast::error_code ec;
  acceptor->accept(socket, ec);  // non-blocking (listen())
  if (!ec) {
    accepted(lane, std::move(socket));
    asio::post(*lanes.front(), [this] { accept(); });  // the next, after what else lane 0 has
    return;
  }
  if (ec != asio::error::would_block && ec != asio::error::try_again) return accept_failed(ec);
  accepting = true;
  acceptor->async_accept(executor, [this, lane](beast::error_code async_ec, tcp::socket peer) {
    accepting = false;
    if (async_ec == asio::error::operation_aborted) return;
    if (async_ec) return accept_failed(async_ec);
    accepted(lane, std::move(peer));
    accept();
  });
}

void Server::Impl::accepted(std::size_t lane, tcp::socket socket) {
  next_lane = (lane + 1) % lanes.size();
  std::make_shared<Connection>(lane, lanes[lane]->get_executor(), std::move(socket), settings)
      ->start();
}

void Server::Impl::accept_failed(const beast::error_code& ec) {
  ++settings.counters.accept_errors;
  note(NoteLevel::warning,
       accept_notes.add("accepting a connection failed: " + ec.message() +
                        "; new connections wait in the listen queue meanwhile"));
  rest_then_accept();
}

// Level-triggered, unlike the reactor: is a client in the listen queue now?
bool Server::Impl::client_waiting() {
  pollfd p{acceptor->native_handle(), POLLIN, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN) != 0;
}

void Server::Impl::rest_then_accept() {
  if (resting) return;
  resting = true;
  backoff->expires_after(kAcceptBackoff);
  backoff->async_wait([this](beast::error_code ec) {
    resting = false;
    if (!ec) accept();
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
  impl_->set_limits();
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
  auto open = impl_->settings.table->close();  // from here, no wakes of the acceptor
  impl_->work.clear();
  for (auto& lane : impl_->lanes) lane->stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  // No I/O thread runs now: the acceptor and the connections are ours.
  beast::error_code ec;
  impl_->acceptor->close(ec);
  for (const auto& connection : open) connection->abandon();
}

std::uint16_t Server::port() const {
  return impl_->acceptor ? impl_->bound.port() : impl_->options.port;
}

std::string Server::address() const {
  if (impl_->acceptor) return endpoint_text(impl_->bound);
  return impl_->options.address + ":" + std::to_string(impl_->options.port);
}

ServerStats Server::stats() const {
  const auto& s = impl_->settings;
  ServerStats out;
  out.connections = s.table ? s.table->size() : 0;
  out.max_connections = s.table ? s.table->cap() : 0;
  out.buffered = s.counters.buffered.load();
  out.closed_for_room = s.counters.closed_for_room.load();
  out.refused_buffered = s.counters.refused_buffered.load();
  out.timed_out = s.counters.timed_out.load();
  out.accept_errors = s.counters.accept_errors.load();
  return out;
}

}  // namespace weir::http
