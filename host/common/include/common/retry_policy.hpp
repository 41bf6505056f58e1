// RetryPolicy: how often and how late a node's "retry later" is honoured.
//
//   retry:                # in weir.yaml (defaults) or on a topology node
//     max_attempts: 5     # deliveries in all, the first included
//     delay: 1s           # before the second attempt
//     multiplier: 2       # each further wait grows by this factor
//     max_delay: 5m       # no wait is longer
//     jitter: 0.2         # each wait varies by up to ±20%, so retries spread out
//
// A node's own delay (e.g. from a Retry-After header) wins when it is longer.
// Plain data; delay() is a pure function of its arguments.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace YAML {
class Node;
}

namespace weir {

struct RetryPolicy {
  int max_attempts = 5;
  std::chrono::milliseconds delay{1000};
  double multiplier = 2.0;
  std::chrono::milliseconds max_delay{300000};
  double jitter = 0.2;

  // The wait before attempt `next_attempt` (2 = the first retry). `hint` is
  // the node's own delay (0: none); `unit_random` is uniform in [0, 1).
  std::chrono::milliseconds wait_before(int next_attempt, std::chrono::milliseconds hint,
                                        double unit_random) const;
};

// Some fields of a policy, as one YAML block sets them; the rest inherit.
struct RetryOverrides {
  std::optional<int> max_attempts;
  std::optional<std::chrono::milliseconds> delay;
  std::optional<double> multiplier;
  std::optional<std::chrono::milliseconds> max_delay;
  std::optional<double> jitter;

  RetryPolicy over(const RetryPolicy& base) const;
};

// Reads a `retry:` mapping. Each problem is reported as "line: message"
// (1-based YAML line) through `error`; fields with problems stay unset.
RetryOverrides read_retry(const YAML::Node& map,
                          const std::function<void(int line, const std::string&)>& error);

}  // namespace weir
