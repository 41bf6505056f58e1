#include "stats.hpp"

#include <algorithm>

namespace weir::sims::mage {

namespace {

const char* kCounters[] = {"products_created",
                           "products_updated",
                           "products_deleted",
                           "prices_written",
                           "stock_items_written",
                           "admin_tokens_issued",
                           "bulk_requests",
                           "bulk_operations_accepted",
                           "bulk_operations_complete",
                           "bulk_operations_retriably_failed",
                           "bulk_operations_not_retriably_failed",
                           "bulk_operations_rejected",
                           "orders_invoiced",
                           "orders_shipped",
                           "orders_canceled",
                           "images_uploaded"};

}  // namespace

void Stats::started(int in_flight) {
  std::lock_guard lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  while (!last_second_.empty() && now - last_second_.front() >= std::chrono::seconds(1)) {
    last_second_.pop_front();
  }
  last_second_.push_back(now);
  max_per_second_ =
      std::max<std::int64_t>(max_per_second_, static_cast<std::int64_t>(last_second_.size()));
  max_concurrent_ = std::max<std::int64_t>(max_concurrent_, in_flight);
}

void Stats::finished(const std::string& method, const std::string& route, int status) {
  std::lock_guard lock(mu_);
  ++total_;
  ++by_route_[method + " " + route];
  ++by_status_[status];
}

void Stats::add(const std::string& counter, std::int64_t n) {
  std::lock_guard lock(mu_);
  counters_[counter] += n;
}

Json Stats::to_json() {
  std::lock_guard lock(mu_);
  Json routes = Json::object(), statuses = Json::object();
  for (const auto& [k, v] : by_route_) routes[k] = v;
  for (const auto& [k, v] : by_status_) statuses[std::to_string(k)] = v;
  auto count = [&](int s) {
    auto it = by_status_.find(s);
    return it == by_status_.end() ? std::int64_t{0} : it->second;
  };
  Json out = {{"requests", total_},
              {"by_route", routes},
              {"by_status", statuses},
              {"throttled_429", count(429)},
              {"unavailable_503", count(503)},
              {"unauthorized_401", count(401)},
              {"max_requests_per_second", max_per_second_},
              {"max_concurrent", max_concurrent_}};
  for (const char* name : kCounters) {
    auto it = counters_.find(name);
    out[name] = it == counters_.end() ? 0 : it->second;
  }
  return out;
}

void Stats::reset() {
  std::lock_guard lock(mu_);
  by_route_.clear();
  by_status_.clear();
  counters_.clear();
  last_second_.clear();
  total_ = max_per_second_ = max_concurrent_ = 0;
}

}  // namespace weir::sims::mage
