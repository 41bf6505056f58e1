// A small HTTP/1.1 server for the simulators in examples/sims/: each
// simulator is an outside system (a shop, an ERP) and links nothing of the
// weir host, so it has its own server, kept simple on purpose: Boost.Beast,
// one thread per connection, keep-alive, the handler answering
// synchronously. Enough for the dozens of connections a test or the demo
// opens; not a production server.
//
// Threads: the handler runs on connection threads, many at once; it must
// guard what it shares. stop() from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace weir::sims {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query as sent
  std::string path;    // the target without its query, percent-decoded
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order, repeats kept
  std::map<std::string, std::string> headers;              // names in lower case
  std::string body;
  std::string remote;  // "127.0.0.1:53211"

  // The first query parameter `name`, or `fallback`.
  std::string param(std::string_view name, std::string fallback = "") const;
  bool has_param(std::string_view name) const;
  std::string header(const std::string& lower_name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json; charset=UTF-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra ones
};

using Handler = std::function<Response(const Request&)>;

class HttpServer {
 public:
  // Binds `address`:`port` (0: any free port) at once; throws on failure.
  HttpServer(const std::string& address, std::uint16_t port, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::uint16_t port() const;
  // Accepts and serves until stop(); returns when every connection ended.
  void run();
  void stop();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Percent-decoding ('+' is a space in a query or form) and the pairs of
// "a=1&b=2" (a query string or an application/x-www-form-urlencoded body).
std::string url_decode(std::string_view text, bool plus_is_space);
std::string url_encode(std::string_view text);  // RFC 3986 unreserved kept
std::vector<std::pair<std::string, std::string>> parse_pairs(std::string_view text);

// A simulator's main: reads --port N (0: any; default 0) and --address,
// builds the server with `handler`, prints "listening on http://ADDR:PORT"
// on stdout (flushed: a test or script reads it to learn the port), stops
// on SIGTERM or SIGINT. Returns the process exit code.
int run_main(int argc, char** argv, const std::string& name,
             const std::function<Handler(const std::vector<std::string>& args)>& make_handler);

}  // namespace weir::sims
