// What a shared PHP host does to a busy client, before WordPress runs:
// - an outage (POST /_sim/outage): 503, WordPress's maintenance page;
// - more than max_concurrent requests at once: 508 "Resource Limit Is
//   Reached" (CloudLinux/LiteSpeed's HTML page);
// - faster than `rate` per second beyond a `burst` (a token bucket): 429,
//   with Retry-After always, never, or on every other refusal.
// All off by default. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "sim_http.hpp"

namespace weir::sims::woo {

enum class RetryAfter { kAlways, kNever, kSometimes };
std::optional<RetryAfter> parse_retry_after(const std::string& text);

struct GateSettings {
  double rate = 0;  // requests per second; 0: no rate limit
  double burst = 1;
  int max_concurrent = 0;  // 0: no limit
  RetryAfter retry_after = RetryAfter::kSometimes;
};

class Gate {
 public:
  using Clock = std::chrono::steady_clock;

  void configure(const GateSettings& s);
  GateSettings settings();
  void outage(std::chrono::milliseconds length);

  // Called as a request starts: a refusal to send instead, or nullopt (then
  // leave() must follow when the request ends). `in_flight` gets the
  // number of requests running, this one included.
  std::optional<Response> enter(int* in_flight);
  void leave();

 private:
  std::mutex mu_;
  GateSettings s_;                    // guarded by mu_
  double tokens_ = 0;                 // guarded by mu_
  Clock::time_point refilled_{};      // guarded by mu_
  Clock::time_point outage_until_{};  // guarded by mu_
  int in_flight_ = 0;                 // guarded by mu_
  std::int64_t refusals_ = 0;         // guarded by mu_
};

}  // namespace weir::sims::woo
