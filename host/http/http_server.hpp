// The host's HTTP face (Boost.Beast over Asio): webhooks, /metrics,
// /healthz, /readyz. HTTP/1.1 with keep-alive, on a few I/O threads.
//
// The server knows nothing of weir: it reads a request (refusing, by itself,
// a body over `max_body` with 413, a malformed request with 400, a request
// that is not finished within `read_timeout` by closing), hands it to the
// handler, and writes the response the handler gives back, which may come
// later and from any thread (a webhook answers once its commit is durable),
// so no I/O thread waits for the store.
//
// Threads: start()/stop()/port() from the owner's thread; the handler runs
// on an I/O thread and must not block; Respond may be called from any
// thread, exactly once.
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

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8780;  // 0: any free port (see port())
  int threads = 2;
  std::size_t max_body = 1024 * 1024;  // larger bodies get 413 before they are read
  std::chrono::milliseconds read_timeout{30000};
  // Told of each answer the server gives by itself, with no handler: 413
  // (body over max_body), 431, 400 (malformed request). `path` is the
  // request's path when its request line was read, else "". On an I/O thread.
  std::function<void(const std::string& path, int status)> on_refused;
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

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace weir::http
