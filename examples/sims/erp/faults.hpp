// Trouble on demand for the API (never for /_sim/): an outage (every
// request answered 503 for S seconds) and fragility (every Nth request
// answered with a given status, a delay on every request, and the next K
// order creates made but their answers lost as 502). Any thread.
#pragma once

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

namespace weir::sims::erp {

struct Fragility {
  int every = 0;  // 0: none; else every Nth API request fails
  int status = 500;
  int latency_ms = 0;
  int lost_answers = 0;  // order creates that are made but answered 502
};

class Faults {
 public:
  void start_outage(double seconds);
  // Whole seconds left of the outage (rounded up); 0: none.
  int outage_left() const;
  void set_fragility(const Fragility& f);
  // Counts a request; the status to spoil it with, if it is the Nth.
  std::optional<int> spoil();
  int latency_ms() const;
  // True (and one fewer left) if this create's answer is to be lost.
  bool take_lost_answer();
  nlohmann::ordered_json to_json() const;

 private:
  using Clock = std::chrono::steady_clock;
  mutable std::mutex mu_;
  Clock::time_point outage_until_{};  // guarded by mu_
  Fragility fragility_;               // guarded by mu_
  long seen_ = 0;                     // guarded by mu_
};

}  // namespace weir::sims::erp
