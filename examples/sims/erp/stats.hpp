// What the ERP saw, for GET /_sim/stats: API requests by method, route
// (the path pattern, "/api/v1/orders/{id}/validate") and status, and the
// business counters a test checks (orders created, confirmed, refused,
// duplicates prevented). Control requests (/_sim/) are not counted.
// Any thread.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>

namespace weir::sims::erp {

struct Counter {
  std::atomic<long> value{0};
  void add() { ++value; }
};

class Stats {
 public:
  void record(const std::string& method, const std::string& route, int status);
  nlohmann::ordered_json to_json() const;
  void reset();

  Counter images_served;  // GET /img/ (the CDN's, not the API's: not in requests)
  Counter orders_created;
  Counter orders_confirmed;
  Counter orders_refused;     // 422
  Counter orders_duplicates;  // a second create with a known external reference
  Counter customers_created;
  Counter customers_refused;     // 422
  Counter customers_duplicates;  // a second create with a known e-mail address
  Counter products_changed;      // by /_sim/change
  Counter status_changes;        // orders moved by the ERP's clerk (/_sim/order-status)
  Counter faults_injected;       // answers spoiled by /_sim/outage and /_sim/fragile
  // API requests received and not yet answered (a gauge, not zeroed by
  // reset): a test that kills its client "with a call in flight" waits on it.
  std::atomic<long> in_flight{0};

 private:
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, long> requests_;  // guarded by mu_
};

}  // namespace weir::sims::erp
