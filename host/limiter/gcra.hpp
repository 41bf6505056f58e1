// Gcra: the exact token bucket, kept as one number (the generic cell rate
// algorithm's "theoretical arrival time"). A bucket of `burst` tokens that
// refills one token per interval is the same thing: a request may start at
// `now` when tat - now <= (burst - 1) x interval, and starting moves tat to
// max(tat, now) + interval. Then in any window of length T at most
// floor(T / interval) + burst requests start, with integer nanoseconds and
// no rounding anywhere (the interval is rounded up once, in Rate).
//
// Not thread-safe: AppLimiter holds it under its mutex.
#pragma once

#include <algorithm>
#include <climits>
#include <cstdint>

namespace weir::limiter {

class Gcra {
 public:
  Gcra(std::int64_t interval_ns, std::int64_t burst)
      : interval_(std::max<std::int64_t>(interval_ns, 1)),
        burst_(std::max<std::int64_t>(burst, 1)) {}

  // A new interval (the adaptive rate) or burst, at `now`. What was used
  // stays used: the debt ahead of `now` (tat - now, in old intervals) is
  // counted again in new ones, or a slower rate would widen the tolerance
  // and hand out tokens already spent.
  void set(std::int64_t interval_ns, std::int64_t burst, std::int64_t now) {
    interval_ns = std::max<std::int64_t>(interval_ns, 1);
    if (interval_ns != interval_ && tat_ > now) {
      const __int128 debt = (__int128(tat_ - now) * interval_ns + interval_ - 1) / interval_;
      tat_ = now + static_cast<std::int64_t>(std::min<__int128>(debt, kFar));
    }
    interval_ = interval_ns;
    burst_ = std::max<std::int64_t>(burst, 1);
  }

  // 0: a request may start at `now`, and is counted. Otherwise the
  // nanoseconds until one may (nothing counted).
  std::int64_t take(std::int64_t now) {
    const std::int64_t tolerance =
        static_cast<std::int64_t>(std::min<__int128>(__int128(burst_ - 1) * interval_, kFar));
    const std::int64_t tat = std::max(tat_, now);
    if (tat - now > tolerance) return tat - tolerance - now;
    tat_ = tat + interval_;
    return 0;
  }

  // Requests that could start now, at most burst (for `weir limiter`).
  std::int64_t tokens(std::int64_t now) const {
    const std::int64_t tat = std::max(tat_, now);
    const std::int64_t used = (tat - now + interval_ - 1) / interval_;
    return std::max<std::int64_t>(burst_ - used, 0);
  }

  std::int64_t interval_ns() const { return interval_; }

 private:
  // Far enough ahead for any real rate (about 146 years), and far from overflow.
  static constexpr std::int64_t kFar = INT64_MAX / 4;
  std::int64_t interval_ = 1;
  std::int64_t burst_ = 1;
  // Starts at the oldest time: the bucket is full.
  std::int64_t tat_ = INT64_MIN / 2;
};

}  // namespace weir::limiter
