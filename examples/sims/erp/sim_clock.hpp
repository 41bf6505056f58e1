// The ERP's clock: the real UTC time plus an offset that a test may move
// forward (POST /_sim/clock), so "changed after T" can be tested without
// sleeping across a second. Any thread.
#pragma once

#include <atomic>
#include <chrono>

#include "model.hpp"

namespace weir::sims::erp {

class SimClock {
 public:
  Seconds now() const {
    const auto real = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::system_clock::now().time_since_epoch());
    return static_cast<Seconds>(real.count()) + offset_.load();
  }
  void advance(Seconds by) { offset_ += by; }

 private:
  std::atomic<Seconds> offset_{0};
};

}  // namespace weir::sims::erp
