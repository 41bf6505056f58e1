#include "stats.hpp"

#include <algorithm>
#include <cctype>

namespace weir::sims::woo {

std::string Stats::route_of(const std::string& path) {
  std::string p = path.rfind("/wp-json", 0) == 0 ? path.substr(8) : path;
  std::string out;
  std::size_t i = 0;
  while (i < p.size()) {
    const std::size_t next = p.find('/', i + 1);
    const std::string seg = p.substr(i, next == std::string::npos ? std::string::npos : next - i);
    const bool numeric = seg.size() > 1 && std::all_of(seg.begin() + 1, seg.end(), [](char c) {
                           return std::isdigit(static_cast<unsigned char>(c));
                         });
    out += numeric ? "/<id>" : seg;
    if (next == std::string::npos) break;
    i = next;
  }
  return out;
}

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

void Stats::finished(const std::string& method, const std::string& path, int status) {
  std::lock_guard lock(mu_);
  ++total_;
  ++by_route_[method + " " + route_of(path)];
  ++by_status_[status];
}

void Stats::products_created(int n) {
  std::lock_guard lock(mu_);
  created_ += n;
}

void Stats::products_updated(int n) {
  std::lock_guard lock(mu_);
  updated_ += n;
}

void Stats::images_sideloaded(std::int64_t n) {
  std::lock_guard lock(mu_);
  sideloaded_ += n;
}

void Stats::batch_request() {
  std::lock_guard lock(mu_);
  ++batches_;
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
  return Json{{"requests", total_},
              {"by_route", routes},
              {"by_status", statuses},
              {"throttled_429", count(429)},
              {"resource_limit_508", count(508)},
              {"unavailable_503", count(503)},
              {"max_requests_per_second", max_per_second_},
              {"max_concurrent", max_concurrent_},
              {"products_created", created_},
              {"products_updated", updated_},
              {"batch_requests", batches_},
              {"images_sideloaded", sideloaded_}};
}

void Stats::reset() {
  std::lock_guard lock(mu_);
  by_route_.clear();
  by_status_.clear();
  last_second_.clear();
  total_ = max_per_second_ = max_concurrent_ = created_ = updated_ = batches_ = sideloaded_ = 0;
}

}  // namespace weir::sims::woo
