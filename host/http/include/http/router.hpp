// The host's routes: which handler answers which path. The runtime sets
// them up before the server starts (runtime/host.cpp):
//
//   POST /hooks/<topology>/<trigger>   a webhook trigger (webhooks/receiver.hpp)
//   GET  /metrics                      Prometheus text (metrics/prometheus.hpp)
//   GET  /healthz                      200 while the process is up
//   GET  /readyz                       200 once the host has started
//
// A prefix route takes any method (its handler answers 405 itself, so that
// an unknown webhook is a 404 whatever the method); a page answers GET and
// HEAD and 405 to anything else; any other path is a 404 that lists what
// this host serves (routes are not configuration: nothing secret).
//
// Threads: add routes before the server starts; handle() and refused() then
// run on the server's I/O threads, concurrently, and never block.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "http/http_server.hpp"

namespace weir::http {

class Router {
 public:
  // Any method on a path that starts with `prefix` ("/hooks/") goes to
  // `handler`; `shown` is how the 404 names it ("/hooks/<topology>/<trigger>").
  // The server's own refusals of such paths (413, 503 ...) go to `refused`.
  void prefix(std::string prefix, std::string shown, Handler handler,
              std::function<void(int status)> refused = {});
  // GET or HEAD of exactly `path`: the answer `page` makes, on an I/O thread.
  void page(std::string path, std::function<Response()> page);

  void handle(Request&& request, Respond respond) const;
  // For ServerOptions::on_refused.
  void refused(const std::string& path, int status) const;

 private:
  struct Prefix {
    std::string prefix;
    std::string shown;
    Handler handler;
    std::function<void(int)> refused;
  };
  struct Page {
    std::string path;
    std::function<Response()> page;
  };
  const Prefix* prefix_of(const std::string& path) const;

  std::vector<Prefix> prefixes_;
  std::vector<Page> pages_;
};

// A plain-text answer: `body` and a newline.
Response text_response(int status, std::string body);

}  // namespace weir::http
