// What the shop saw, for GET /_sim/stats: requests by method and route
// (numeric path segments as <id>), by status, the refusals, the most
// requests that started within any one second and the most running at
// once, and the writes. /_sim/ itself is not counted. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>

#include "rest_reply.hpp"

namespace weir::sims::woo {

class Stats {
 public:
  // A request started; `in_flight` counts it.
  void started(int in_flight);
  void finished(const std::string& method, const std::string& path, int status);
  void products_created(int n);
  void products_updated(int n);
  void images_sideloaded(std::int64_t n);
  void batch_request();
  Json to_json();
  void reset();

  // "/wp-json/wc/v3/products/12/variations" -> "/wc/v3/products/<id>/variations"
  static std::string route_of(const std::string& path);

 private:
  std::mutex mu_;
  std::map<std::string, std::int64_t> by_route_;                      // guarded by mu_
  std::map<int, std::int64_t> by_status_;                             // guarded by mu_
  std::deque<std::chrono::steady_clock::time_point> last_second_;     // guarded by mu_
  std::int64_t total_ = 0, max_per_second_ = 0, max_concurrent_ = 0;  // guarded by mu_
  std::int64_t created_ = 0, updated_ = 0, batches_ = 0;              // guarded by mu_
  std::int64_t sideloaded_ = 0;                                       // guarded by mu_
};

}  // namespace weir::sims::woo
