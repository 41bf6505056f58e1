// The host's http::Server started for a unit test (the test fails if it
// cannot start), and a plain-text answer without a trailing newline; shared
// by the server's tests (http_test.cpp, http_limits_test.cpp).
#pragma once

#include <curl/curl.h>

#include <catch2/catch.hpp>

#include <string>
#include <utility>

#include "http/http_server.hpp"

namespace weir::test {

// libcurl's global state, set up once before any test client runs.
inline const bool kCurlReady = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;

struct Running {
  Running(http::ServerOptions options, http::Handler handler)
      : server(std::move(options), std::move(handler)) {
    REQUIRE(kCurlReady);
    const weir::Status s = server.start();
    INFO(s.message());
    REQUIRE(s.is_ok());
  }
  std::string url(const std::string& target) const {
    return "http://127.0.0.1:" + std::to_string(server.port()) + target;
  }
  http::Server server;
};

inline http::Response text(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace weir::test
