#include "stats.hpp"

namespace weir::sims::erp {

void Stats::record(const std::string& method, const std::string& route, int status) {
  std::lock_guard lock(mu_);
  ++requests_[{method, route, status}];
}

nlohmann::ordered_json Stats::to_json() const {
  nlohmann::ordered_json j;
  auto& list = j["requests"] = nlohmann::ordered_json::array();
  long total = 0;
  {
    std::lock_guard lock(mu_);
    for (const auto& [key, count] : requests_) {
      const auto& [method, route, status] = key;
      list.push_back({{"method", method}, {"route", route}, {"status", status}, {"count", count}});
      total += count;
    }
  }
  j["requests_total"] = total;
  j["requests_in_flight"] = in_flight.load();
  j["orders"] = {{"created", orders_created.value.load()},
                 {"confirmed", orders_confirmed.value.load()},
                 {"refused", orders_refused.value.load()},
                 {"duplicates_prevented", orders_duplicates.value.load()}};
  j["customers"] = {{"created", customers_created.value.load()},
                    {"refused", customers_refused.value.load()},
                    {"duplicates_prevented", customers_duplicates.value.load()}};
  j["products_changed"] = products_changed.value.load();
  j["status_changes"] = status_changes.value.load();
  j["faults_injected"] = faults_injected.value.load();
  j["images_served"] = images_served.value.load();
  return j;
}

void Stats::reset() {
  {
    std::lock_guard lock(mu_);
    requests_.clear();
  }
  for (Counter* c : {&orders_created, &orders_confirmed, &orders_refused, &orders_duplicates,
                     &customers_created, &customers_refused, &customers_duplicates,
                     &products_changed, &status_changes, &faults_injected, &images_served}) {
    c->value = 0;
  }
}

}  // namespace weir::sims::erp
