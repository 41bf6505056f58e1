// The host's HTTP server (Boost.Beast over Asio). HTTP/1.1 with keep-alive,
// on a few I/O threads; router.hpp says which handler answers which path.
//
// The server knows nothing of weir: it reads a request (refusing, by itself,
// a body over `max_body` with 413, a malformed request with 400), hands it
// to the handler, and writes the response the handler gives back, which may
// come later and from any thread (a webhook answers once its commit is
// durable), so no I/O thread waits for the store.
//
// Slow and abusive clients (what nginx, Envoy and Jetty guard against):
//  - at most `max_connections` are open. A client that finds them all taken
//    is still served: the connection that has made no progress for the
//    longest (idle between requests, or reading a request) is closed to make
//    room; one whose request is with the handler, or whose answer is being
//    written, is never closed for that. Accepting never stops for good: on
//    "too many open files" it rests and tries again.
//  - a request's headers must arrive within `header_timeout` (from the
//    connection's start, or from the first byte of a request on a kept-alive
//    connection); its body within `body_timeout` plus one second per
//    `min_body_rate` bytes received. A kept-alive connection may wait
//    `idle_timeout` for its next request. Past any of these it is closed.
//  - request bodies being read hold at most `max_buffered` bytes across all
//    connections: a request that does not fit gets 503 with Retry-After
//    (the sender tries again; nothing of it was handed on) and its
//    connection closes.
//
// Threads: start()/stop()/port()/stats() from the owner's thread (stats()
// from any); the handler runs on an I/O thread and must not block; Respond
// may be called from any thread, exactly once.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.hpp"

namespace weir::http {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query as sent, e.g. "/hooks/orders/created?x=1"
  std::string path;    // the target without its query
  // Header names in lower case; a repeated header keeps its last value.
  std::map<std::string, std::string> headers;
  std::string body;    // the raw bytes, exactly as received
  std::string remote;  // "127.0.0.1:53211"

  // The header's value, or "" (name in any case).
  std::string header(std::string name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra, e.g. Retry-After
};

using Respond = std::function<void(Response)>;
using Handler = std::function<void(Request&&, Respond)>;

enum class NoteLevel { info, warning };

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8780;  // 0: any free port (see port())
  int threads = 2;
  std::size_t max_body = 1024 * 1024;  // larger bodies get 413 before they are read
  // Open connections at most. 0: kDefaultMaxConnections, or fewer when the
  // file-descriptor limit (raised to its hard limit by start()) leaves less
  // than kReservedFds for the rest of the host. A larger value is lowered
  // the same way.
  std::size_t max_connections = 0;
  // Body bytes being read, across all connections (at least max_body).
  std::size_t max_buffered = 64 * 1024 * 1024;
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds body_timeout{10000};
  std::size_t min_body_rate = 32 * 1024;  // bytes per second; 0: no extension
  std::chrono::milliseconds idle_timeout{60000};
  // To write a response, to a client that does not read it.
  std::chrono::milliseconds send_timeout{30000};
  // Told of each answer the server gives by itself, with no handler: 413
  // (body over max_body), 431, 400 (malformed request), 503 (max_buffered
  // full). `path` is the request's path when its request line was read,
  // else "". On an I/O thread.
  std::function<void(const std::string& path, int status)> on_refused;
  // Told what an operator should know, in a sentence: the limits it runs
  // with (info), and, at most every few seconds each, connections closed to
  // make room and accept errors (warning). On the owner's thread or an I/O
  // thread.
  std::function<void(NoteLevel level, const std::string& note)> on_note;
};

constexpr std::size_t kDefaultMaxConnections = 1024;
// File descriptors left to the rest of the host (store, plugins, sockets).
constexpr std::size_t kReservedFds = 256;

// What the server is doing about its limits (counts since start).
struct ServerStats {
  std::size_t connections = 0;      // open now
  std::size_t max_connections = 0;  // the cap in force
  std::size_t buffered = 0;         // body bytes being read now
  std::uint64_t closed_for_room = 0;     // closed to make room at the cap
  std::uint64_t refused_buffered = 0;    // 503: max_buffered was full
  std::uint64_t timed_out = 0;           // closed by a header, body or idle timeout
  std::uint64_t accept_errors = 0;       // failed accepts (e.g. too many open files)
};

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server();  // stops
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts the I/O threads. An error names the address and why
  // (e.g. "127.0.0.1:8780: address already in use").
  Status start();
  // Stops accepting, closes connections, joins the threads. Responses that
  // come after stop() are dropped.
  void stop();
  std::uint16_t port() const;  // the bound port (useful with port 0)
  std::string address() const;  // "127.0.0.1:8780"
  ServerStats stats() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace weir::http
