#include "limiter/window_check.hpp"

#include <algorithm>
#include <climits>

namespace weir::limiter {

// With v_k = k x per - count x t_k, the excess of the window (i, j) is
// (v_j - v_i + (1 - burst) x per) / per rounded up, so the worst for each j
// pairs it with the smallest v_i at or before it. __int128: count x t
// overflows 64 bits for timestamps of a running machine.
std::int64_t worst_window_excess(const std::vector<std::int64_t>& starts, const Rate& r) {
  std::int64_t worst = INT64_MIN;
  __int128 lowest = 0;
  for (std::size_t j = 0; j < starts.size(); ++j) {
    const __int128 v = __int128(j) * r.per_ns - __int128(r.count) * starts[j];
    if (j == 0 || v < lowest) lowest = v;
    const __int128 num = v - lowest + __int128(1 - r.burst) * r.per_ns;
    const __int128 over = num > 0 ? (num + r.per_ns - 1) / r.per_ns : -((-num) / r.per_ns);
    worst = std::max<std::int64_t>(worst, static_cast<std::int64_t>(over));
  }
  return worst;
}

std::int64_t busiest_window(const std::vector<std::int64_t>& starts, std::int64_t window_ns) {
  std::int64_t most = 0;
  std::size_t first = 0;
  for (std::size_t j = 0; j < starts.size(); ++j) {
    while (starts[j] - starts[first] >= window_ns) ++first;
    most = std::max<std::int64_t>(most, static_cast<std::int64_t>(j - first + 1));
  }
  return most;
}

}  // namespace weir::limiter
