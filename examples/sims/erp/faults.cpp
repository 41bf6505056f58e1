#include "faults.hpp"

#include <cmath>

namespace weir::sims::erp {

void Faults::start_outage(double seconds) {
  std::lock_guard lock(mu_);
  outage_until_ = Clock::now() + std::chrono::milliseconds(static_cast<long>(seconds * 1000));
}

int Faults::outage_left() const {
  std::lock_guard lock(mu_);
  const auto left = outage_until_ - Clock::now();
  if (left <= Clock::duration::zero()) return 0;
  return static_cast<int>(std::ceil(std::chrono::duration<double>(left).count()));
}

void Faults::set_fragility(const Fragility& f) {
  std::lock_guard lock(mu_);
  fragility_ = f;
  seen_ = 0;
}

std::optional<int> Faults::spoil() {
  std::lock_guard lock(mu_);
  ++seen_;
  if (fragility_.every > 0 && seen_ % fragility_.every == 0) return fragility_.status;
  return std::nullopt;
}

int Faults::latency_ms() const {
  std::lock_guard lock(mu_);
  return fragility_.latency_ms;
}

bool Faults::take_lost_answer() {
  std::lock_guard lock(mu_);
  if (fragility_.lost_answers <= 0) return false;
  --fragility_.lost_answers;
  return true;
}

nlohmann::ordered_json Faults::to_json() const {
  const int left = outage_left();
  std::lock_guard lock(mu_);
  return nlohmann::ordered_json{{"outage_seconds_left", left},
                                {"every", fragility_.every},
                                {"status", fragility_.status},
                                {"latency_ms", fragility_.latency_ms},
                                {"lost_answers", fragility_.lost_answers}};
}

}  // namespace weir::sims::erp
