// An application's rate as operators write it in its YAML file:
//   rate: 5/s          5 requests a second, evenly spaced (burst 1)
//   rate: 300/min      the same
//   rate: 1/2s         one every two seconds ("per" takes any duration)
//   burst: 10          up to 10 at once after a quiet spell
// The promise (limiter/app_limiter.hpp): in no window of any length T do
// more than count/per x T + burst requests start.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace weir::limiter {

struct Rate {
  // No rate at all (an app without `rate:`): its limiter still applies the
  // concurrency cap and Retry-After pauses.
  static Rate unlimited() { return Rate{0, 1'000'000'000, 1}; }
  bool is_unlimited() const { return count <= 0; }

  std::int64_t count = 1;               // requests ... (0: unlimited)
  std::int64_t per_ns = 1'000'000'000;  // ... per this many nanoseconds
  std::int64_t burst = 1;               // requests that may start together (the bucket's size)

  // Nanoseconds between two requests at this rate, rounded up, so that the
  // rounding can only make the limiter stricter, never looser.
  std::int64_t interval_ns() const { return count > 0 ? (per_ns + count - 1) / count : 1; }
  double per_second() const { return count > 0 ? double(count) * 1e9 / double(per_ns) : 0; }
};

// "5/s", "300/min", "2/h", "1/2s", "10/500ms": a whole count of at least 1,
// then "/" and a unit (s, sec, second, min, minute, h, hour) or a duration
// (common/duration.hpp). Nullopt with `error` set otherwise.
std::optional<Rate> parse_rate(std::string_view text, std::string* error = nullptr);

// As written back to an operator: "5/s", "300/min", "1/2s"; "none" when unlimited.
std::string format_rate(const Rate& rate);

}  // namespace weir::limiter
