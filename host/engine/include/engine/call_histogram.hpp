// CallHistogram: how long a node's calls take, kept by the pump for
// /metrics; its bounds are part of what NodeStatus (engine.hpp) shows.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace weir::engine {

// How long a node's process() calls take, for /metrics (a Prometheus
// histogram in seconds). Written by the pump, read by scrapes.
struct CallHistogram {
  static constexpr std::array<double, 9> kBounds = {0.001, 0.005, 0.01, 0.05, 0.1,
                                                    0.5,   1,     5,    10};
  std::array<std::atomic<std::uint64_t>, kBounds.size() + 1> buckets{};  // the last: +Inf
  std::atomic<std::uint64_t> count{0};
  std::atomic<std::uint64_t> sum_us{0};

  void observe(std::int64_t us) {
    std::size_t i = 0;
    while (i < kBounds.size() && static_cast<double>(us) > kBounds[i] * 1e6) ++i;
    buckets[i].fetch_add(1, std::memory_order_relaxed);
    count.fetch_add(1, std::memory_order_relaxed);
    sum_us.fetch_add(static_cast<std::uint64_t>(us > 0 ? us : 0), std::memory_order_relaxed);
  }
};

}  // namespace weir::engine
