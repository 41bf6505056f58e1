// What the shop saw, for GET /_sim/stats: requests by method and route
// pattern ("GET /V1/products/<sku>"), by status, the refusals, the most
// requests started within any one second and the most running at once,
// and what was written (products, prices, stock items, bulk operations by
// final status, admin tokens issued). /_sim/ itself is not counted.
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>

#include "errors.hpp"

namespace weir::sims::mage {

class Stats {
 public:
  void started(int in_flight);  // `in_flight` counts this request
  void finished(const std::string& method, const std::string& route, int status);
  // Named counters: products_created, products_updated, prices_written,
  // stock_items_written, admin_tokens_issued, bulk_operations_complete, ...
  void add(const std::string& counter, std::int64_t n = 1);
  Json to_json();
  void reset();

 private:
  std::mutex mu_;
  std::map<std::string, std::int64_t> by_route_;                      // guarded by mu_
  std::map<int, std::int64_t> by_status_;                             // guarded by mu_
  std::map<std::string, std::int64_t> counters_;                      // guarded by mu_
  std::deque<std::chrono::steady_clock::time_point> last_second_;     // guarded by mu_
  std::int64_t total_ = 0, max_per_second_ = 0, max_concurrent_ = 0;  // guarded by mu_
};

}  // namespace weir::sims::mage
