// An outside system on loopback for end-to-end tests: a real HTTP server
// (host/http) that answers each request with `answer` and records every
// request with the time it arrived, so a test can check what weir sent and
// when (limiter windows, Retry-After pauses).
#pragma once

#include <catch2/catch.hpp>
#include <algorithm>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "http/http_server.hpp"

namespace weir::test {

class Remote {
 public:
  using Answer = std::function<http::Response(const http::Request&)>;
  struct Seen {
    std::chrono::steady_clock::time_point at;
    http::Request request;
  };

  explicit Remote(Answer answer, int threads = 0)
      : server_(options(threads), [this, answer = std::move(answer)](http::Request&& r,
                                                                      http::Respond respond) {
          const auto at = std::chrono::steady_clock::now();
          http::Response out = answer(r);
          {
            std::lock_guard lock(mu_);
            arrivals_.push_back(at);
            seen_.push_back(std::move(r));
          }
          respond(std::move(out));
        }) {
    REQUIRE(server_.start().is_ok());
  }
  ~Remote() { server_.stop(); }
  std::string base() const { return "http://" + server_.address(); }
  std::vector<http::Request> seen() const {
    std::lock_guard lock(mu_);
    return seen_;
  }
  std::size_t count() const {
    std::lock_guard lock(mu_);
    return seen_.size();
  }
  // When each request arrived, in arrival order.
  std::vector<std::chrono::steady_clock::time_point> arrivals() const {
    std::vector<std::chrono::steady_clock::time_point> at;
    {
      std::lock_guard lock(mu_);
      at = arrivals_;
    }
    // Recorded after the answer was made: with several server threads a
    // later arrival may be recorded first.
    std::sort(at.begin(), at.end());
    return at;
  }

 private:
  static http::ServerOptions options(int threads) {
    http::ServerOptions o;
    o.port = 0;
    if (threads > 0) o.threads = threads;
    return o;
  }
  http::Server server_;
  mutable std::mutex mu_;
  std::vector<http::Request> seen_;  // guarded by mu_
  std::vector<std::chrono::steady_clock::time_point> arrivals_;  // guarded by mu_
};

}  // namespace weir::test
