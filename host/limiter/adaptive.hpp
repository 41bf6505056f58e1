// AdaptiveRate: how far below its configured rate an application runs after
// it said it was overloaded (429, 503, 508). A level out of kFull (1600, so
// that halving down to the floor stays exact) of the configured rate:
//  - each overload answer halves it, at most once a second (the answers to
//    requests already in flight say nothing new), down to kFloor (1/16 of
//    the configured rate: slow enough to let a struggling shop breathe,
//    fast enough to notice when it is better);
//  - after kQuiet (10 s) with no overload answer it climbs back by a tenth
//    of the configured rate each second, never above it.
// Additive increase, multiplicative decrease, as TCP does, so that several
// clients of one shop settle on a fair share.
//
// Not thread-safe: AppLimiter holds it under its mutex.
#pragma once

#include <algorithm>
#include <cstdint>

namespace weir::limiter {

class AdaptiveRate {
 public:
  static constexpr std::int64_t kFull = 1600;
  static constexpr std::int64_t kFloor = kFull / 16;
  static constexpr std::int64_t kStep = kFull / 10;
  static constexpr std::int64_t kSecond = 1'000'000'000;
  static constexpr std::int64_t kQuiet = 10 * kSecond;

  // An overload answer at `now`. True if the level dropped.
  bool overloaded(std::int64_t now) {
    catch_up(now);
    last_overload_ = now;
    if (have_dropped_ && now - last_drop_ < kSecond) return false;
    have_dropped_ = true;
    last_drop_ = now;
    const std::int64_t before = level_;
    level_ = std::max(kFloor, level_ / 2);
    raised_at_ = now;
    return level_ != before;
  }

  // The level at `now` (climbs lazily: no timer needed).
  std::int64_t level(std::int64_t now) {
    catch_up(now);
    return level_;
  }

  // The configured interval stretched by the level, rounded up.
  std::int64_t interval_ns(std::int64_t configured_ns, std::int64_t now) {
    const std::int64_t l = level(now);
    return (configured_ns * kFull + l - 1) / l;
  }

 private:
  void catch_up(std::int64_t now) {
    if (level_ >= kFull || !have_dropped_) return;
    const std::int64_t from = std::max(raised_at_, last_overload_ + kQuiet);
    if (now - from < kSecond) return;
    const std::int64_t steps = (now - from) / kSecond;
    level_ = std::min(kFull, level_ + steps * kStep);
    raised_at_ = from + steps * kSecond;
  }

  std::int64_t level_ = kFull;
  bool have_dropped_ = false;
  std::int64_t last_drop_ = 0;
  std::int64_t last_overload_ = 0;
  std::int64_t raised_at_ = 0;
};

}  // namespace weir::limiter
