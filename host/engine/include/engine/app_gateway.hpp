// AppGateway: how a node's calls reach its application (the host API's
// http, ABI 1.4). The engine only carries requests and answers across the
// ABI; the runtime implements this with the host's HTTP client
// (httpclient/app_clients.hpp: auth, limiter, timeouts), so the engine
// links no HTTP library.
//
// Threads: send() from worker threads, concurrently.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace weir::engine {

using NameValues = std::vector<std::pair<std::string, std::string>>;

struct AppRequest {
  std::string method = "GET";
  std::string target;
  NameValues query;
  NameValues headers;
  std::string body;
};

struct AppAnswer {
  bool sent = false;  // false: nothing went out (error says why)
  int status = 0;     // 0: no answer
  NameValues headers;
  std::string body;
  std::string error;
  std::int64_t retry_after_ms = -1;
  bool retry_later = false;  // not sent, for a reason that passes (budget, stopping)
};

class AppGateway {
 public:
  virtual ~AppGateway() = default;
  virtual AppAnswer send(const std::string& app, const AppRequest& request) = 0;
  // The application's settings as JSON text; nullopt when it is not in
  // effect (the host API's app_settings, ABI 1.6).
  virtual std::optional<std::string> settings_json(const std::string& /*app*/) const {
    return std::nullopt;
  }
  // How many workers the application's lane should have (its concurrency:
  // more calls than requests it allows in flight would only wait); 0 when
  // the application is not known (the engine then uses kDefaultLane).
  virtual int workers_for(const std::string& /*app*/) const { return 0; }
  static constexpr int kDefaultLane = 4;
  static constexpr int kMaxLane = 64;
};

}  // namespace weir::engine
