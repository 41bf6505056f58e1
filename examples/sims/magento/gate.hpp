// What a PHP host under load does to a client, before Magento runs:
// - an outage (POST /_sim/outage): 503 with Magento's maintenance page;
// - more than max_concurrent requests at once: 503 with the HTML an
//   overloaded PHP-FPM behind nginx gives (no JSON);
// - faster than `rate` per second beyond a `burst` (a token bucket): 429
//   with an HTML body and Retry-After.
// All off by default. Thread-safe.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>

#include "sim_http.hpp"

namespace weir::sims::mage {

struct GateSettings {
  double rate = 0;  // requests per second; 0: no rate limit
  double burst = 1;
  int max_concurrent = 0;  // 0: no limit
};

class Gate {
 public:
  using Clock = std::chrono::steady_clock;

  void configure(const GateSettings& s);
  void outage(std::chrono::milliseconds length);

  // Called as a request starts: a refusal to send instead, or nullopt (then
  // leave() must follow). `in_flight` gets the requests running, this one
  // included.
  std::optional<Response> enter(int* in_flight);
  void leave();

 private:
  std::mutex mu_;
  GateSettings s_;                    // guarded by mu_
  double tokens_ = 0;                 // guarded by mu_
  Clock::time_point refilled_{};      // guarded by mu_
  Clock::time_point outage_until_{};  // guarded by mu_
  int in_flight_ = 0;                 // guarded by mu_
};

}  // namespace weir::sims::mage
