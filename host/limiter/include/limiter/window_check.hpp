// How the limiter's promise is checked, by its tests and bench_limiter (and
// by anything that records when requests started): over every window
// [t_i, t_j] of the sorted start times, how many more starts it holds than
// rate x (t_j - t_i) + burst allows, rounded up. <= 0: the promise held.
// Linear time, exact integers.
#pragma once

#include <cstdint>
#include <vector>

#include "limiter/rate.hpp"

namespace weir::limiter {

std::int64_t worst_window_excess(const std::vector<std::int64_t>& sorted_starts_ns,
                                 const Rate& rate);

// The most starts in any window [t, t + window_ns) (a shop counting its
// requests per second sees this with window_ns = 1 s).
std::int64_t busiest_window(const std::vector<std::int64_t>& sorted_starts_ns,
                            std::int64_t window_ns);

}  // namespace weir::limiter
